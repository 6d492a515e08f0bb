export { account, balanceChange } from './account.js';
export type { AccountCommand, AccountEvent, AccountState } from './account.js';
export { transfers } from './transfers.js';
export { balancesProjector } from './balances.js';
export type { Balance, BalancesProjector } from './balances.js';
export { buildBank } from './app.js';
export type { Bank, BankOptions } from './app.js';
