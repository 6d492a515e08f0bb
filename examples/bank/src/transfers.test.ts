import { describe, it } from 'vitest';
import { reject } from '@evented/core';
import { sagaFixture } from '@evented/core/testing';
import { transfers } from './transfers.js';

const saga = sagaFixture(transfers, { domain: 'account', aggregateId: 'ann' });
const sent = { type: 'TransferSent', data: { transferId: 't-1', to: 'bob', amount: 300 } };
const receive = {
  domain: 'account',
  aggregateId: 'bob',
  type: 'ReceiveTransfer',
  data: { transferId: 't-1', from: 'ann', amount: 300 },
};

describe('the transfers saga', () => {
  it('credits the receiving account when a transfer is sent', async () => {
    await saga.given(sent).thenCommands(receive);
  });

  it('refunds the sender when the receiver refuses', async () => {
    await saga
      .given(sent)
      .answering((command) =>
        command.aggregateId === 'bob' ? reject('account is not open') : undefined,
      )
      .thenCommands(receive, {
        domain: 'account',
        aggregateId: 'ann',
        type: 'RefundTransfer',
        data: { transferId: 't-1', amount: 300, reason: 'account is not open' },
      });
  });

  it('ignores other account events', async () => {
    await saga.given({ type: 'Deposited', data: { amount: 5 } }).thenNoCommands();
  });
});
