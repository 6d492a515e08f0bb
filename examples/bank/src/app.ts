import type { EventedConfig } from '@evented/core';
import { Evented } from '@evented/core';
import { account } from './account.js';
import type { BalancesProjector } from './balances.js';
import { balancesProjector } from './balances.js';
import { transfers } from './transfers.js';

/** Options of {@link buildBank}. */
export interface BankOptions {
  /** Snapshot accounts once this many events were replayed since the last snapshot. */
  readonly snapshotEvery?: number;
}

/** A running bank: the application and its balances read model. */
export interface Bank {
  readonly evented: Evented;
  readonly balances: BalancesProjector;
}

/** The bank application: the account domain, the transfer saga and the balances projector. */
export async function buildBank(config: EventedConfig, options: BankOptions = {}): Promise<Bank> {
  const balances = balancesProjector();
  const evented = await Evented.builder(config)
    .withBusinessLogic(
      'account',
      account,
      options.snapshotEvery ? { snapshotEvery: options.snapshotEvery } : {},
    )
    .withProjector(balances)
    .withSaga(transfers)
    .build();
  return { evented, balances };
}
