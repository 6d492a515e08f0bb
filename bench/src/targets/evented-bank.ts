import { randomUUID } from 'node:crypto';
import type { Projector, Storage } from '@evented/core';
import { Evented } from '@evented/core';
import type { Balance } from '@evented/example-bank';
import { account } from '@evented/example-bank';
import { now } from '../stats.js';
import type { BankApp } from './target.js';

/** A balances projector of the bank example, SQLite's or PostgreSQL's. */
type BalancesProjector = Projector & { list(): Balance[] | Promise<Balance[]> };

/** Long enough for W8's full catch-up on a slow machine; a stuck projector still ends the run. */
const WAIT_MS = 600_000;

/**
 * The bank example on an open evented storage: the `account` decider and `balances`, in one
 * application sharing the storage (closing it closes the storage). A command's append time is
 * taken when the facade publishes its events, which it does as soon as the store has
 * acknowledged the append and before `dispatch` goes on; its projection time when `dispatch`
 * with `waitFor: ['balances']` returns, which the processor allows once the transaction with
 * the command's last event and its checkpoint has committed.
 */
export async function openEventedBank(
  storage: Storage,
  balances: BalancesProjector,
  batchSize: number | undefined,
): Promise<BankApp & { close(): Promise<void> }> {
  const app = await Evented.builder({
    storage: async () => storage,
    ...(batchSize !== undefined && { processors: { batchSize } }),
  })
    .withBusinessLogic('account', account)
    .withProjector(balances)
    .build();
  const appendedAt = new Map<string, number>();
  app.subscribe((events) => {
    const at = now();
    for (const event of events) if (event.causationId) appendedAt.set(event.causationId, at);
  });
  return {
    caughtUp: () => app.waitForProcessors({ names: ['balances'], timeoutMs: WAIT_MS }),
    async dispatchAndProject(command) {
      const commandId = randomUUID();
      await app.dispatch({ ...command, commandId }, { waitFor: ['balances'], timeoutMs: WAIT_MS });
      const projectedAt = now();
      const appended = appendedAt.get(commandId);
      appendedAt.delete(commandId);
      if (appended === undefined) throw new Error(`command ${commandId} was never published`);
      return { appendedAt: appended, projectedAt };
    },
    async balances() {
      const rows = await balances.list();
      return new Map(rows.map((row) => [row.accountId, row.balance]));
    },
    close: () => app.close(),
  };
}
