import { describe, expect, it } from 'vitest';
import { aggregateFixture } from '@evented/core/testing';
import type { CardEvent } from './card.js';
import { Card } from './card.js';

const card = aggregateFixture(Card, { aggregateId: 'card-1' });

const issued: CardEvent = {
  type: 'CardIssued',
  data: { accountId: 'acc-1', holder: 'Ann', dailyLimit: 10_000 },
};
const paid = (paymentId: string, amount: number, day = '2025-03-01'): CardEvent => ({
  type: 'PaymentAuthorized',
  data: { paymentId, amount, day },
});
const frozen: CardEvent = { type: 'CardFrozen', data: { reason: 'lost' } };

describe('the card aggregate', () => {
  it('is issued once', async () => {
    await card.given().when({ type: 'IssueCard', data: issued.data }).thenEvents(issued);
    const again = await card
      .given(issued)
      .when({ type: 'IssueCard', data: issued.data })
      .thenRejected();
    expect(again.details['lifecycle']).toBe('exists');
  });

  it('refuses commands on a card that was never issued', async () => {
    const error = await card
      .given()
      .when({ type: 'FreezeCard', data: { reason: 'lost' } })
      .thenRejected();
    expect(error.details['lifecycle']).toBe('missing');
  });

  it('checks command data against its schema on dispatch', async () => {
    const error = await card
      .given(issued)
      .when({ type: 'AuthorizePayment', data: { paymentId: 'p-1', amount: 0, day: '1 March' } })
      .thenError('INVALID_ARGUMENT');
    expect(error.message).toContain('command AuthorizePayment');
    expect(error.details['issues']).toEqual([
      { path: 'amount', message: 'Too small: expected number to be >0' },
      { path: 'day', message: 'Invalid ISO date' },
    ]);
  });

  it('authorises payments up to the daily limit, which starts again the next day', async () => {
    const payment = { paymentId: 'p-2', amount: 4_000, day: '2025-03-01' };
    await card
      .given(issued, paid('p-1', 6_000))
      .when({ type: 'AuthorizePayment', data: payment })
      .thenEvents(paid('p-2', 4_000));
    await card
      .given(issued, paid('p-1', 6_000))
      .when({ type: 'AuthorizePayment', data: { ...payment, amount: 4_001 } })
      .thenRejected('over the daily limit', { dailyLimit: 10_000, spentToday: 6_000 });
    await card
      .given(issued, paid('p-1', 6_000))
      .when({ type: 'AuthorizePayment', data: { ...payment, amount: 10_000, day: '2025-03-02' } })
      .thenEvents(paid('p-2', 10_000, '2025-03-02'));
  });

  it('changes the daily limit, and decides nothing when it is the same', async () => {
    await card
      .given(issued)
      .when({ type: 'ChangeDailyLimit', data: { dailyLimit: 500 } })
      .thenEvents({ type: 'DailyLimitChanged', data: { dailyLimit: 500 } });
    await card
      .given(issued)
      .when({ type: 'ChangeDailyLimit', data: { dailyLimit: 10_000 } })
      .thenNothing();
  });

  it('refuses payments while frozen, and pays again once unfrozen', async () => {
    await card
      .given(issued)
      .when({ type: 'FreezeCard', data: { reason: 'lost' } })
      .thenEvents(frozen);
    await card
      .given(issued, frozen)
      .when({ type: 'AuthorizePayment', data: { paymentId: 'p-1', amount: 1, day: '2025-03-01' } })
      .thenRejected('card is frozen');
    await card
      .given(issued, frozen)
      .when({ type: 'FreezeCard', data: { reason: 'x' } })
      .thenRejected('card is frozen already');
    await card.given(issued).when({ type: 'UnfreezeCard' }).thenRejected('card is not frozen');
    await card
      .given(issued, frozen, { type: 'CardUnfrozen', data: {} })
      .when({ type: 'AuthorizePayment', data: { paymentId: 'p-1', amount: 1, day: '2025-03-01' } })
      .thenEvents(paid('p-1', 1));
  });

  it('is closed for good once cancelled', async () => {
    const cancelled: CardEvent = { type: 'CardCancelled', data: { reason: 'expired' } };
    await card
      .given(issued)
      .when({ type: 'CancelCard', data: { reason: 'expired' } })
      .thenEvents(cancelled);
    for (const command of [
      { type: 'UnfreezeCard' },
      { type: 'CancelCard', data: { reason: 'again' } },
      { type: 'IssueCard', data: issued.data },
    ]) {
      const error = await card
        .given(issued, cancelled)
        .when(command)
        .thenRejected('card card-1 is closed');
      expect(error.details['lifecycle']).toBe('closed');
    }
  });
});
