import type { Database } from 'better-sqlite3';
import type { RecordedEvent } from '@evented/core';
import type { SqliteProjector } from '@evented/sqlite';
import { sqliteProjector } from '@evented/sqlite';
import type { AccountEvent } from './account.js';
import { balanceChange } from './account.js';

/** One row of the balances read model. */
export interface Balance {
  readonly accountId: string;
  readonly owner: string;
  readonly balance: number;
}

/** What a page of events does to one account: opened (by `owner`) and its balance moved by `change`. */
export interface AccountChange {
  owner: string | undefined;
  change: number;
}

/**
 * Folds a page of account events in memory: one entry per account the page touches, so
 * that the read model takes one write per account, not one per event.
 */
export function foldBalances(events: readonly RecordedEvent[]): Map<string, AccountChange> {
  const accounts = new Map<string, AccountChange>();
  for (const recorded of events) {
    const event = recorded as unknown as AccountEvent;
    let account = accounts.get(recorded.aggregateId);
    if (!account) accounts.set(recorded.aggregateId, (account = { owner: undefined, change: 0 }));
    if (event.type === 'AccountOpened') account.owner = event.data.owner;
    else account.change += balanceChange(event);
  }
  return accounts;
}

const statements = new WeakMap<Database, ReturnType<typeof prepare>>();

function prepare(db: Database) {
  return {
    open: db.prepare('INSERT INTO bank_balances (account_id, owner, balance) VALUES (?, ?, ?)'),
    change: db.prepare('UPDATE bank_balances SET balance = balance + ? WHERE account_id = ?'),
  };
}

/** Prepared once per database: preparing per page would cost more than the writes of a small one. */
function statementsOf(db: Database): ReturnType<typeof prepare> {
  let sql = statements.get(db);
  if (!sql) statements.set(db, (sql = prepare(db)));
  return sql;
}

/** The balances projector, with a query over its read model. */
export interface BalancesProjector extends SqliteProjector {
  /** Every balance, by account id. */
  list(): Balance[];
}

/**
 * The balances read model, in the same SQLite database as the events. It takes the log a
 * page at a time (`processors.batchSize` events), folds the page per account and writes
 * each account it touched once, in the transaction that saves the checkpoint: no balance is
 * ever counted twice, and catching up costs a write per account and page, not per event.
 */
export function balancesProjector(): BalancesProjector {
  const projector = sqliteProjector({
    name: 'balances',
    filter: { domains: ['account'] },
    schema: `CREATE TABLE IF NOT EXISTS bank_balances (
    account_id TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    balance    INTEGER NOT NULL
  )`,
    // A rebuild (`evented processors rebuild balances`) clears it with its checkpoint, then replays.
    reset: 'DELETE FROM bank_balances',
    handleBatch(events, db) {
      const sql = statementsOf(db);
      for (const [accountId, { owner, change }] of foldBalances(events)) {
        if (owner !== undefined) sql.open.run(accountId, owner, change);
        else if (change !== 0) sql.change.run(change, accountId);
      }
    },
  });
  return Object.assign(projector, {
    list(): Balance[] {
      return projector.database
        .prepare(
          'SELECT account_id AS accountId, owner, balance FROM bank_balances ORDER BY account_id',
        )
        .all() as Balance[];
    },
  });
}
