import type { Saga } from '@evented/core';
import { isEventedError } from '@evented/core';
import type { AccountEvent } from './account.js';

/**
 * The transfer saga: when an account has sent a transfer, credit the receiving account;
 * if the receiver refuses (say it does not exist), refund the sender.
 */
export const transfers: Saga = {
  name: 'transfers',
  filter: { domains: ['account'], types: ['TransferSent'] },
  async handle(event, { dispatch }) {
    const sent = event as unknown as AccountEvent & { type: 'TransferSent' };
    const { transferId, to, amount } = sent.data;
    try {
      await dispatch({
        domain: 'account',
        aggregateId: to,
        type: 'ReceiveTransfer',
        data: { transferId, from: event.aggregateId, amount },
      });
    } catch (error) {
      if (!isEventedError(error, 'COMMAND_REJECTED')) throw error;
      await dispatch({
        domain: 'account',
        aggregateId: event.aggregateId,
        type: 'RefundTransfer',
        data: { transferId, amount, reason: String(error.details.reason) },
      });
    }
  },
};
