import type { EventedConfig } from '@evented/core';
import { Evented, fromAggregate } from '@evented/core';
import { account } from './account.js';
import type { BalancesProjector } from './balances.js';
import { balancesProjector } from './balances.js';
import { Card } from './card.js';
import { transfers } from './transfers.js';

/** Options of {@link buildBank}. */
export interface BankOptions {
  /** Snapshot accounts and cards once this many events were replayed since the last snapshot. */
  readonly snapshotEvery?: number;
}

/** A running bank: the application and its balances read model. */
export interface Bank {
  readonly evented: Evented;
  readonly balances: BalancesProjector;
}

/**
 * The bank application: the account domain (a decider), the card domain (a decorated
 * class), the transfer saga and the balances projector.
 */
export async function buildBank(config: EventedConfig, options: BankOptions = {}): Promise<Bank> {
  const balances = balancesProjector();
  const snapshots = options.snapshotEvery ? { snapshotEvery: options.snapshotEvery } : {};
  const evented = await Evented.builder(config)
    .withBusinessLogic('account', account, snapshots)
    .withBusinessLogic('card', fromAggregate(Card), snapshots)
    .withProjector(balances)
    .withSaga(transfers)
    .build();
  return { evented, balances };
}
