import type { Database } from 'better-sqlite3';
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

const statements = new WeakMap<Database, ReturnType<typeof prepare>>();

function prepare(db: Database) {
  return {
    open: db.prepare('INSERT INTO bank_balances (account_id, owner, balance) VALUES (?, ?, 0)'),
    change: db.prepare('UPDATE bank_balances SET balance = balance + ? WHERE account_id = ?'),
  };
}

/** Prepared once per database: preparing per event would dominate a rebuild. */
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
 * The balances read model, in the same SQLite database as the events: each event and the
 * projector's checkpoint commit together, so no balance is ever counted twice.
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
    handle(recorded, db) {
      const event = recorded as unknown as AccountEvent;
      const sql = statementsOf(db);
      if (event.type === 'AccountOpened') sql.open.run(recorded.aggregateId, event.data.owner);
      else sql.change.run(balanceChange(event), recorded.aggregateId);
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
