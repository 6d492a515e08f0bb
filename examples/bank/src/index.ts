export { account, balanceChange } from './account.js';
export type { AccountCommand, AccountEvent, AccountState } from './account.js';
export {
  Card,
  IssueCard,
  ChangeDailyLimit,
  AuthorizePayment,
  FreezeCard,
  CancelCard,
} from './card.js';
export type { CardEvent } from './card.js';
export { transfers } from './transfers.js';
export { balancesProjector, foldBalances } from './balances.js';
export type { AccountChange, Balance, BalancesProjector } from './balances.js';
export { postgresBalances } from './postgres-balances.js';
export type { PostgresBalancesProjector } from './postgres-balances.js';
export { buildBank } from './app.js';
export type { Bank, BankOptions } from './app.js';
