import type { Database } from 'better-sqlite3';
import type { CheckpointStore, Fence, Limits, Position } from '@evented/core';
import { EventedError } from '@evented/core';
import {
  assertValidId,
  closedError,
  invalidArgument,
  validateCheckpoint,
} from '@evented/core/internal';
import { assertFence, prepareFenceCheck } from './claim-store.js';
import { translateSqliteError } from './errors.js';

/**
 * The checkpoint store on a better-sqlite3 connection. Its `saveCheckpointWith` runs a
 * projection's work and the checkpoint in one transaction: the work receives the
 * better-sqlite3 `Database` and must be synchronous. A fenced save checks its claim inside
 * the same `BEGIN IMMEDIATE` transaction, before the work: no other connection can take the
 * segment over until it commits.
 */
export class SqliteCheckpointStore implements CheckpointStore {
  readonly #db: Database;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;
  readonly #sql;
  readonly #checkFence: (fence: Fence) => void;

  constructor(db: Database, limits: Limits, isOpen: () => boolean) {
    this.#db = db;
    this.#limits = limits;
    this.#isOpen = isOpen;
    this.#sql = {
      load: db.prepare('SELECT position FROM checkpoints WHERE processor = ?').pluck(),
      save: db.prepare(
        `INSERT INTO checkpoints (processor, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (processor) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      ),
      remove: db.prepare('DELETE FROM checkpoints WHERE processor = ?'),
      head: db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
    };
    this.#checkFence = prepareFenceCheck(db);
  }

  async loadCheckpoint(processor: string): Promise<Position | undefined> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    const position = this.#sql.load.get(processor) as number | undefined;
    return position === undefined ? undefined : BigInt(position);
  }

  async saveCheckpoint(processor: string, position: Position, fence?: Fence): Promise<void> {
    this.#assertOpen();
    validateCheckpoint(processor, position, this.#limits);
    if (fence !== undefined) assertFence(fence, this.#limits);
    try {
      this.#db
        .transaction(() => {
          if (fence) this.#checkFence(fence);
          this.#save(processor, position);
        })
        .immediate();
    } catch (error) {
      throw translateSqliteError(error, `saving the checkpoint of ${processor}`);
    }
  }

  async saveCheckpointWith(
    processor: string,
    position: Position,
    work: (transaction: unknown) => void | Promise<void>,
    fence?: Fence,
  ): Promise<void> {
    this.#assertOpen();
    validateCheckpoint(processor, position, this.#limits);
    if (fence !== undefined) assertFence(fence, this.#limits);
    let workError: unknown;
    try {
      this.#db
        .transaction(() => {
          if (fence) this.#checkFence(fence);
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
              `the projection work of ${processor} returned a promise; SQLite projections must be synchronous`,
              { processor },
            );
          }
          this.#save(processor, position);
        })
        .immediate();
    } catch (error) {
      // The projection's own failure reaches the processor as it was thrown.
      if (error === workError) throw error;
      throw translateSqliteError(error, `projecting and checkpointing ${processor}`);
    }
  }

  async deleteCheckpoint(processor: string): Promise<void> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    try {
      this.#sql.remove.run(processor);
    } catch (error) {
      throw translateSqliteError(error, `deleting the checkpoint of ${processor}`);
    }
  }

  #save(processor: string, position: Position): void {
    const head = BigInt(this.#sql.head.get() as number);
    if (position > head) {
      throw invalidArgument('position', `${position} is beyond the head of the log (${head})`, {
        position: position.toString(),
        head: head.toString(),
      });
    }
    this.#sql.save.run(processor, position, Date.now());
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the SQLite checkpoint store');
  }
}
