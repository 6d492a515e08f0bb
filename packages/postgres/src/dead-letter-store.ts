import type {
  DeadLetter,
  DeadLetterQuery,
  DeadLetterStore,
  Limits,
  NewDeadLetter,
  ParkedAggregate,
} from '@evented/core';
import {
  assertValidId,
  closedError,
  normalizeEventId,
  prepareDeadLetterQuery,
  prepareDeadLetterRemoval,
  prepareDeadLetters,
  toDeadLetter,
} from '@evented/core/internal';
import type { Cell, PostgresPool } from './connection.js';
import { execute, inTransaction, quoteSchema, read, statement } from './connection.js';
import { translatePostgresError } from './errors.js';
import { decodePosition, encodePosition } from './rows.js';

const COLUMNS = `event, reason, message, code, attempts,
  round(date_part('epoch', parked_at) * 1000)::int8`;

/**
 * The dead-letter store on PostgreSQL, in the `dead_letters` table: the whole recorded
 * event as JSON beside its position, kept as the log's sort key `(transaction_id, idx)`,
 * and its aggregate, for ordered and filtered listing. `parkedAt` is the database's
 * `now()`. Its `removeWith` runs a retried event's projection work and the removal in one
 * transaction on one pooled connection: the work receives that connection (a `pg`
 * `PoolClient`) and may be asynchronous.
 */
export class PostgresDeadLetterStore implements DeadLetterStore {
  readonly #pool: PostgresPool;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;
  readonly #sql;

  constructor(pool: PostgresPool, schema: string, limits: Limits, isOpen: () => boolean) {
    this.#pool = pool;
    this.#limits = limits;
    this.#isOpen = isOpen;
    const s = quoteSchema(schema);
    this.#sql = {
      // One statement: the batch is all or nothing, and a letter parked already is kept.
      park: statement(
        `INSERT INTO ${s}.dead_letters (processor, event_id, transaction_id, idx, domain,
           aggregate_id, event, reason, message, code, attempts, parked_at)
         SELECT l.*, now() FROM unnest($1::text[], $2::uuid[], $3::xid8[], $4::integer[],
           $5::text[], $6::text[], $7::json[], $8::text[], $9::text[], $10::text[], $11::integer[]) AS l
         ON CONFLICT (processor, event_id) DO NOTHING`,
      ),
      list: statement(
        `SELECT ${COLUMNS} FROM ${s}.dead_letters
         WHERE processor = $1 AND (transaction_id, idx) > ($2::xid8, $3::integer)
         ORDER BY transaction_id, idx, event_id LIMIT $4`,
      ),
      listAggregate: statement(
        `SELECT ${COLUMNS} FROM ${s}.dead_letters
         WHERE processor = $1 AND domain = $5 AND aggregate_id = $6
           AND (transaction_id, idx) > ($2::xid8, $3::integer)
         ORDER BY transaction_id, idx, event_id LIMIT $4`,
      ),
      // Each aggregate's first parked position, to order them in the log's order.
      aggregates: statement(
        `SELECT DISTINCT ON (domain, aggregate_id) domain, aggregate_id,
           count(*) OVER (PARTITION BY domain, aggregate_id), transaction_id::text AS first_transaction, idx
         FROM ${s}.dead_letters WHERE processor = $1
         ORDER BY domain, aggregate_id, transaction_id, idx`,
      ),
      remove: statement(
        `DELETE FROM ${s}.dead_letters WHERE processor = $1 AND event_id = ANY($2::uuid[])`,
      ),
      removeOne: statement(
        `DELETE FROM ${s}.dead_letters WHERE processor = $1 AND event_id = $2::uuid`,
      ),
    };
  }

  async park(letters: readonly NewDeadLetter[]): Promise<void> {
    this.#assertOpen();
    const prepared = prepareDeadLetters(letters, this.#limits);
    if (prepared.length === 0) return;
    const positions = prepared.map((l) => decodePosition(l.position));
    try {
      await execute(this.#pool, this.#sql.park, [
        prepared.map((l) => l.processor),
        prepared.map((l) => l.eventId),
        positions.map(([transactionId]) => transactionId),
        positions.map(([, index]) => index),
        prepared.map((l) => l.domain),
        prepared.map((l) => l.aggregateId),
        prepared.map((l) => l.eventJson),
        prepared.map((l) => l.reason),
        prepared.map((l) => l.message),
        prepared.map((l) => l.code),
        prepared.map((l) => l.attempts),
      ]);
    } catch (error) {
      throw translatePostgresError(error, `parking ${prepared.length} dead letters`);
    }
  }

  async list(processor: string, query?: DeadLetterQuery): Promise<DeadLetter[]> {
    this.#assertOpen();
    const q = prepareDeadLetterQuery(processor, query, this.#limits);
    const values: unknown[] = [q.processor, ...decodePosition(q.after), q.limit];
    let rows: Cell[][];
    try {
      rows = q.stream
        ? await read(this.#pool, this.#sql.listAggregate, [
            ...values,
            q.stream.domain,
            q.stream.aggregateId,
          ])
        : await read(this.#pool, this.#sql.list, values);
    } catch (error) {
      throw translatePostgresError(error, `listing the dead letters of ${q.processor}`);
    }
    return rows.map((row) =>
      toDeadLetter(q.processor, row[0]!, {
        reason: row[1]!,
        message: row[2]!,
        code: row[3] ?? null,
        attempts: Number(row[4]),
        parkedAt: Number(row[5]),
      }),
    );
  }

  async parkedAggregates(processor: string): Promise<ParkedAggregate[]> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    let rows: Cell[][];
    try {
      rows = await read(this.#pool, this.#sql.aggregates, [processor]);
    } catch (error) {
      throw translatePostgresError(error, `listing the parked aggregates of ${processor}`);
    }
    return rows
      .map((row) => ({
        first: encodePosition(row[3]!, row[4]!),
        aggregate: { domain: row[0]!, aggregateId: row[1]!, count: Number(row[2]) },
      }))
      .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
      .map(({ aggregate }) => aggregate);
  }

  async remove(processor: string, eventIds: readonly string[]): Promise<number> {
    this.#assertOpen();
    const ids = prepareDeadLetterRemoval(processor, eventIds, this.#limits);
    if (ids.length === 0) return 0;
    try {
      return await execute(this.#pool, this.#sql.remove, [processor, ids]);
    } catch (error) {
      throw translatePostgresError(error, `removing dead letters of ${processor}`);
    }
  }

  async removeWith(
    processor: string,
    eventId: string,
    work: (transaction: unknown) => void | Promise<void>,
  ): Promise<boolean> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    const id = normalizeEventId('eventId', eventId);
    let failed: { error: unknown } | undefined;
    try {
      return await inTransaction(this.#pool, async (client) => {
        // The row lock taken by the DELETE makes a concurrent retry of the same event wait
        // here, then find the letter gone and skip its work.
        if ((await execute(client, this.#sql.removeOne, [processor, id])) === 0) return false;
        try {
          await work(client);
        } catch (error) {
          failed = { error };
          throw error;
        }
        return true;
      });
    } catch (error) {
      // The work's own failure reaches the processor as it was thrown.
      if (failed && error === failed.error) throw error;
      throw translatePostgresError(error, `retrying the dead letter ${id} of ${processor}`);
    }
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the PostgreSQL dead-letter store');
  }
}
