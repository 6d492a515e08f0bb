import type { Database } from 'better-sqlite3';
import type {
  DeadLetter,
  DeadLetterQuery,
  DeadLetterStore,
  Limits,
  NewDeadLetter,
  ParkedAggregate,
} from '@evented/core';
import { EventedError } from '@evented/core';
import {
  assertValidId,
  closedError,
  invalidArgument,
  normalizeEventId,
  prepareDeadLetterQuery,
  prepareDeadLetterRemoval,
  prepareDeadLetters,
  toDeadLetter,
} from '@evented/core/internal';
import { translateSqliteError } from './errors.js';

// SQLite integers are signed 64-bit: no event of this store lies beyond.
const MAX_SQLITE_POSITION = 2n ** 63n - 1n;

type DeadLetterRow = [
  event: string,
  reason: string,
  message: string,
  code: string | null,
  attempts: number,
  parkedAt: number,
];

const COLUMNS = 'event, reason, message, code, attempts, parked_at';

/**
 * The dead-letter store on a better-sqlite3 connection, in the `dead_letters` table: the
 * whole recorded event as JSON beside its position and aggregate, for ordered and filtered
 * listing. Its `removeWith` runs a retried event's projection work and the removal in one
 * transaction: the work receives the better-sqlite3 `Database` and must be synchronous.
 */
export class SqliteDeadLetterStore implements DeadLetterStore {
  readonly #db: Database;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;
  readonly #sql;

  constructor(db: Database, limits: Limits, isOpen: () => boolean) {
    this.#db = db;
    this.#limits = limits;
    this.#isOpen = isOpen;
    this.#sql = {
      park: db.prepare(
        `INSERT INTO dead_letters (processor, event_id, position, domain, aggregate_id, event,
           reason, message, code, attempts, parked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (processor, event_id) DO NOTHING`,
      ),
      list: db
        .prepare(
          `SELECT ${COLUMNS} FROM dead_letters WHERE processor = ? AND position > ?
           ORDER BY position, event_id LIMIT ?`,
        )
        .raw(),
      listAggregate: db
        .prepare(
          `SELECT ${COLUMNS} FROM dead_letters
           WHERE processor = ? AND domain = ? AND aggregate_id = ? AND position > ?
           ORDER BY position, event_id LIMIT ?`,
        )
        .raw(),
      aggregates: db
        .prepare(
          `SELECT domain, aggregate_id, count(*) FROM dead_letters WHERE processor = ?
           GROUP BY domain, aggregate_id ORDER BY min(position), domain, aggregate_id`,
        )
        .raw(),
      remove: db.prepare(
        `DELETE FROM dead_letters
         WHERE processor = ? AND event_id IN (SELECT value FROM json_each(?))`,
      ),
      removeOne: db.prepare('DELETE FROM dead_letters WHERE processor = ? AND event_id = ?'),
    };
  }

  async park(letters: readonly NewDeadLetter[]): Promise<void> {
    this.#assertOpen();
    const prepared = prepareDeadLetters(letters, this.#limits);
    for (const [i, letter] of prepared.entries()) {
      if (letter.position > MAX_SQLITE_POSITION) {
        throw invalidArgument(
          `letters[${i}].event.position`,
          `must be at most 2^63-1 on SQLite, found ${letter.position}`,
        );
      }
    }
    const parkedAt = Date.now();
    try {
      this.#db
        .transaction(() => {
          for (const l of prepared) {
            this.#sql.park.run(
              l.processor,
              l.eventId,
              l.position,
              l.domain,
              l.aggregateId,
              l.eventJson,
              l.reason,
              l.message,
              l.code,
              l.attempts,
              parkedAt,
            );
          }
        })
        .immediate();
    } catch (error) {
      throw translateSqliteError(error, `parking ${prepared.length} dead letters`);
    }
  }

  async list(processor: string, query?: DeadLetterQuery): Promise<DeadLetter[]> {
    this.#assertOpen();
    const q = prepareDeadLetterQuery(processor, query, this.#limits);
    const after = q.after > MAX_SQLITE_POSITION ? MAX_SQLITE_POSITION : q.after;
    let rows: DeadLetterRow[];
    try {
      rows = (
        q.stream
          ? this.#sql.listAggregate.all(
              q.processor,
              q.stream.domain,
              q.stream.aggregateId,
              after,
              q.limit,
            )
          : this.#sql.list.all(q.processor, after, q.limit)
      ) as DeadLetterRow[];
    } catch (error) {
      throw translateSqliteError(error, `listing the dead letters of ${q.processor}`);
    }
    return rows.map(([event, reason, message, code, attempts, parkedAt]) =>
      toDeadLetter(q.processor, event, { reason, message, code, attempts, parkedAt }),
    );
  }

  async parkedAggregates(processor: string): Promise<ParkedAggregate[]> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    let rows: [string, string, number][];
    try {
      rows = this.#sql.aggregates.all(processor) as [string, string, number][];
    } catch (error) {
      throw translateSqliteError(error, `listing the parked aggregates of ${processor}`);
    }
    return rows.map(([domain, aggregateId, count]) => ({ domain, aggregateId, count }));
  }

  async remove(processor: string, eventIds: readonly string[]): Promise<number> {
    this.#assertOpen();
    const ids = prepareDeadLetterRemoval(processor, eventIds, this.#limits);
    if (ids.length === 0) return 0;
    try {
      return this.#sql.remove.run(processor, JSON.stringify(ids)).changes;
    } catch (error) {
      throw translateSqliteError(error, `removing dead letters of ${processor}`);
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
    let workError: unknown;
    try {
      return this.#db
        .transaction(() => {
          if (this.#sql.removeOne.run(processor, id).changes === 0) return false;
          let outcome: unknown;
          try {
            outcome = work(this.#db);
          } catch (error) {
            workError = error;
            throw error;
          }
          if (typeof outcome === 'object' && outcome !== null && 'then' in outcome) {
            // Its failure, if any, is reported through the error below, not as unhandled.
            (outcome as PromiseLike<unknown>).then(undefined, () => undefined);
            throw new EventedError(
              'INVALID_ARGUMENT',
              `the retry work of ${processor} returned a promise; SQLite work must be synchronous`,
              { processor },
            );
          }
          return true;
        })
        .immediate();
    } catch (error) {
      // The work's own failure reaches the processor as it was thrown.
      if (error === workError) throw error;
      throw translateSqliteError(error, `retrying the dead letter ${id} of ${processor}`);
    }
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the SQLite dead-letter store');
  }
}
