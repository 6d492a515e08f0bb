import type { EventFilter, Projector, RecordedEvent, Storage } from '@evented/core';
import { EventedError } from '@evented/core';
import type { PostgresClient, PostgresPool } from './connection.js';
import { translatePostgresError } from './errors.js';

/** Options of {@link postgresProjector}. */
export interface PostgresProjectorOptions {
  readonly name: string;
  readonly filter?: EventFilter;
  /** SQL run once at start, e.g. `CREATE TABLE IF NOT EXISTS ...` for the read model. */
  readonly schema?: string;
  /**
   * Writes one event into the read model through `client`, inside the transaction that
   * also saves the checkpoint. May be asynchronous; use bind parameters for every value.
   */
  handle(event: RecordedEvent, client: PostgresClient): void | Promise<void>;
}

/** A projector whose read model lives in evented's own PostgreSQL database. */
export interface PostgresProjector extends Projector {
  /** The pool of the read model's database, to query it; available once the application is built. */
  readonly pool: PostgresPool;
}

/**
 * A projector whose read model is in the same PostgreSQL database as the events: each page
 * of events and the checkpoint commit in one transaction, so every event takes effect
 * exactly once, even across crashes.
 *
 * ```ts
 * const balances = postgresProjector({
 *   name: 'balances',
 *   schema: 'CREATE TABLE IF NOT EXISTS balances (id text PRIMARY KEY, balance bigint NOT NULL)',
 *   async handle(event, client) {
 *     if (event.type === 'Deposited')
 *       await client.query('UPDATE balances SET balance = balance + $1 WHERE id = $2',
 *         [event.data.amount, event.aggregateId]);
 *   },
 * });
 * ```
 */
export function postgresProjector(options: PostgresProjectorOptions): PostgresProjector {
  let pool: PostgresPool | undefined;
  return {
    name: options.name,
    ...(options.filter && { filter: options.filter }),
    delivery: 'transactional',
    get pool(): PostgresPool {
      if (!pool) {
        throw new EventedError(
          'CLOSED',
          `projector ${options.name} has not started: build the application first`,
        );
      }
      return pool;
    },
    async start(storage: Storage): Promise<void> {
      const candidate = (storage as { pool?: PostgresPool }).pool;
      if (!candidate || typeof candidate.connect !== 'function') {
        throw new EventedError(
          'CONFIGURATION',
          `projector ${options.name} needs evented's PostgreSQL storage`,
          { processor: options.name },
        );
      }
      if (options.schema) {
        try {
          await candidate.query({ text: options.schema });
        } catch (error) {
          throw translatePostgresError(error, `creating the read model of ${options.name}`);
        }
      }
      pool = candidate;
    },
    handle(event, context): void | Promise<void> {
      return options.handle(event, context.transaction as PostgresClient);
    },
  };
}
