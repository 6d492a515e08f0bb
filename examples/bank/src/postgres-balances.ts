import type { ProjectionContext, Projector, RecordedEvent, Storage } from '@evented/core';
import { EventedError } from '@evented/core';
import type { Balance } from './balances.js';
import { foldBalances } from './balances.js';

/** The part of a `pg` pool or client the read model uses: a `PoolClient` and a `Pool` have it. */
interface SqlClient {
  query(config: { text: string; values?: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** The balances projector on PostgreSQL, with a query over its read model. */
export interface PostgresBalancesProjector extends Projector {
  /** Every balance, by account id. */
  list(): Promise<Balance[]>;
}

const NAME = 'balances';

/**
 * The balances read model in the same PostgreSQL database as the events, in a table
 * `bank_balances` beside evented's own tables (the storage's schema). Like
 * {@link balancesProjector} on SQLite, it folds each page per account and writes it in the
 * transaction that saves the checkpoint, here in two statements whatever the page's size:
 * one multi-row INSERT for the accounts the page opened, one multi-row UPDATE for the others.
 *
 * It is written against core's `Projector` port (transactional delivery hands it the
 * page's `pg` client as `context.transaction`), which is all `postgresProjector` of
 * `@evented/postgres` adds to; so the example needs no PostgreSQL package of its own.
 *
 * ```ts
 * const balances = postgresBalances();
 * const evented = await Evented.builder(EventedConfig.postgres(url))
 *   .withBusinessLogic('account', account)
 *   .withProjector(balances)
 *   .build();
 * ```
 */
export function postgresBalances(): PostgresBalancesProjector {
  let table: string | undefined;
  let pool: SqlClient | undefined;
  const started = (): { table: string; pool: SqlClient } => {
    if (!table || !pool) {
      throw new EventedError(
        'CLOSED',
        `projector ${NAME} has not started: build the application first`,
      );
    }
    return { table, pool };
  };

  async function handleBatch(events: readonly RecordedEvent[], context: ProjectionContext) {
    const client = context.transaction as SqlClient;
    const { table } = started();
    const opened: [string[], string[], number[]] = [[], [], []];
    const changed: [string[], number[]] = [[], []];
    for (const [accountId, { owner, change }] of foldBalances(events)) {
      if (owner !== undefined) {
        opened[0].push(accountId);
        opened[1].push(owner);
        opened[2].push(change);
      } else if (change !== 0) {
        changed[0].push(accountId);
        changed[1].push(change);
      }
    }
    if (opened[0].length > 0) {
      await client.query({
        text: `INSERT INTO ${table} (account_id, owner, balance)
               SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])`,
        values: opened,
      });
    }
    if (changed[0].length > 0) {
      await client.query({
        text: `UPDATE ${table} AS b SET balance = b.balance + c.change
               FROM unnest($1::text[], $2::bigint[]) AS c (account_id, change)
               WHERE b.account_id = c.account_id`,
        values: changed,
      });
    }
  }

  return {
    name: NAME,
    filter: { domains: ['account'] },
    delivery: 'transactional',
    async start(storage: Storage): Promise<void> {
      // evented's PostgreSQL storage offers its pool and schema for read models like this one.
      const candidate = storage as Partial<{ pool: SqlClient; schema: string }>;
      if (typeof candidate.pool?.query !== 'function' || typeof candidate.schema !== 'string') {
        throw new EventedError(
          'CONFIGURATION',
          `projector ${NAME} needs evented's PostgreSQL storage`,
          { processor: NAME },
        );
      }
      const quoted = `"${candidate.schema.replaceAll('"', '""')}".bank_balances`;
      await candidate.pool.query({
        text: `CREATE TABLE IF NOT EXISTS ${quoted} (
          account_id text PRIMARY KEY,
          owner      text NOT NULL,
          balance    bigint NOT NULL
        )`,
      });
      pool = candidate.pool;
      table = quoted;
    },
    handle: (event, context) => handleBatch([event], context),
    handleBatch,
    // A rebuild (`evented processors rebuild balances`) clears it in the transaction that
    // moves the checkpoint back, then replays.
    async reset(_storage: Storage, transaction: unknown): Promise<void> {
      await (transaction as SqlClient).query({ text: `DELETE FROM ${started().table}` });
    },
    async list(): Promise<Balance[]> {
      const { table, pool } = started();
      const { rows } = await pool.query({
        text: `SELECT account_id, owner, balance FROM ${table} ORDER BY account_id COLLATE "C"`,
      });
      return (rows as { account_id: string; owner: string; balance: string | number }[]).map(
        (row) => ({ accountId: row.account_id, owner: row.owner, balance: Number(row.balance) }),
      );
    },
  };
}
