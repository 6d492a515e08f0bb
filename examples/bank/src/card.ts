import type { Rejection } from '@evented/core';
import { aggregate, command, event, reject } from '@evented/core';
import { z } from 'zod';

// The `card` domain's messages as zod schemas: evented checks each command's data on
// dispatch and each decided event's data before it is written. A type of the same name
// is what the handlers receive.

const cents = z.number().int().positive();
const limit = z.number().int().nonnegative();

export const IssueCard = z.object({
  accountId: z.string().min(1),
  holder: z.string().min(1),
  dailyLimit: limit,
});
export type IssueCard = z.infer<typeof IssueCard>;
export const ChangeDailyLimit = z.object({ dailyLimit: limit });
export type ChangeDailyLimit = z.infer<typeof ChangeDailyLimit>;
/** A payment asks for `amount` cents on `day` (the caller's date: business logic reads no clock). */
export const AuthorizePayment = z.object({
  paymentId: z.string().min(1),
  amount: cents,
  day: z.iso.date(),
});
export type AuthorizePayment = z.infer<typeof AuthorizePayment>;
export const FreezeCard = z.object({ reason: z.string().min(1) });
export type FreezeCard = z.infer<typeof FreezeCard>;
export const CancelCard = z.object({ reason: z.string().min(1) });
export type CancelCard = z.infer<typeof CancelCard>;

export const CardIssued = IssueCard;
export const DailyLimitChanged = ChangeDailyLimit;
export const PaymentAuthorized = AuthorizePayment;
export const CardFrozen = FreezeCard;
export const CardCancelled = CancelCard;

/** The events of the `card` domain. */
export type CardEvent =
  | { type: 'CardIssued'; data: IssueCard }
  | { type: 'DailyLimitChanged'; data: ChangeDailyLimit }
  | { type: 'PaymentAuthorized'; data: AuthorizePayment }
  | { type: 'CardFrozen'; data: FreezeCard }
  | { type: 'CardUnfrozen'; data: Record<string, never> }
  | { type: 'CardCancelled'; data: CancelCard };

/**
 * A payment card of an account, as a decorated class: issued once, payments authorised up
 * to a daily limit, frozen and unfrozen, and cancelled for good (`CardCancelled` closes it,
 * so every later command is rejected). Its fields are its state, and its snapshot.
 */
@aggregate('card')
export class Card {
  accountId = '';
  holder = '';
  dailyLimit = 0;
  frozen = false;
  /** What was authorised on the latest day with payments: the limit is per day. */
  spent = { day: '', amount: 0 };

  @command('IssueCard', { schema: IssueCard, creates: true })
  issue(data: IssueCard): CardEvent {
    return { type: 'CardIssued', data };
  }

  @command('ChangeDailyLimit', { schema: ChangeDailyLimit })
  changeLimit({ dailyLimit }: ChangeDailyLimit): CardEvent[] {
    return dailyLimit === this.dailyLimit
      ? []
      : [{ type: 'DailyLimitChanged', data: { dailyLimit } }];
  }

  @command('AuthorizePayment', { schema: AuthorizePayment })
  authorize(payment: AuthorizePayment): CardEvent | Rejection {
    if (this.frozen) return reject('card is frozen');
    const spentToday = this.spent.day === payment.day ? this.spent.amount : 0;
    if (spentToday + payment.amount > this.dailyLimit) {
      return reject('over the daily limit', { dailyLimit: this.dailyLimit, spentToday });
    }
    return { type: 'PaymentAuthorized', data: payment };
  }

  @command('FreezeCard', { schema: FreezeCard })
  freeze({ reason }: FreezeCard): CardEvent | Rejection {
    if (this.frozen) return reject('card is frozen already');
    return { type: 'CardFrozen', data: { reason } };
  }

  @command('UnfreezeCard')
  unfreeze(): CardEvent | Rejection {
    if (!this.frozen) return reject('card is not frozen');
    return { type: 'CardUnfrozen', data: {} };
  }

  @command('CancelCard', { schema: CancelCard })
  cancel({ reason }: CancelCard): CardEvent {
    return { type: 'CardCancelled', data: { reason } };
  }

  @event('CardIssued', { schema: CardIssued })
  onIssued({ accountId, holder, dailyLimit }: IssueCard) {
    Object.assign(this, { accountId, holder, dailyLimit });
  }

  @event('DailyLimitChanged', { schema: DailyLimitChanged })
  onLimitChanged({ dailyLimit }: ChangeDailyLimit) {
    this.dailyLimit = dailyLimit;
  }

  @event('PaymentAuthorized', { schema: PaymentAuthorized })
  onAuthorized({ amount, day }: AuthorizePayment) {
    this.spent = { day, amount: (this.spent.day === day ? this.spent.amount : 0) + amount };
  }

  @event('CardFrozen', { schema: CardFrozen })
  onFrozen() {
    this.frozen = true;
  }

  @event('CardUnfrozen')
  onUnfrozen() {
    this.frozen = false;
  }

  @event('CardCancelled', { schema: CardCancelled, closes: true })
  onCancelled() {}
}
