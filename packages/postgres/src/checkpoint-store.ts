import type { CheckpointStore, Fence, Limits, Position } from '@evented/core';
import { isEventedError } from '@evented/core';
import {
  assertValidId,
  closedError,
  invalidArgument,
  validateCheckpoint,
} from '@evented/core/internal';
import { assertFence, fenceCheck } from './claim-store.js';
import type { PostgresClient, PostgresPool } from './connection.js';
import { execute, inTransaction, quoteSchema, read, run, statement } from './connection.js';
import { translatePostgresError } from './errors.js';
import { decodePosition, encodePosition, MAX_POSITION } from './rows.js';
import type { Visibility } from './visibility.js';
import { VISIBLE } from './visibility.js';

/**
 * The checkpoint store on PostgreSQL. A checkpoint is the sort key of the log,
 * `(transaction_id, idx)`, stored as such. Its `saveCheckpointWith` runs a projection's work
 * and the checkpoint in one transaction on one pooled connection: the work receives that
 * connection (a `pg` `PoolClient`) and may be asynchronous. Work for a position the
 * checkpoint has reached already is not run again: a retried page whose first COMMIT was
 * lost with its connection, but took effect, is applied once.
 *
 * A fenced save first takes a share lock on the segment's claim and checks it, before the
 * work runs: a takeover waits until the transaction ends and then sees its checkpoint, and a
 * save whose claim was taken over fails with `FENCED` having changed nothing.
 */
export class PostgresCheckpointStore implements CheckpointStore {
  readonly #pool: PostgresPool;
  readonly #limits: Limits;
  readonly #visibility: Visibility;
  readonly #isOpen: () => boolean;
  readonly #sql;
  readonly #checkFence: (client: PostgresClient, fence: Fence) => Promise<void>;

  constructor(
    pool: PostgresPool,
    schema: string,
    limits: Limits,
    visibility: Visibility,
    isOpen: () => boolean,
  ) {
    this.#pool = pool;
    this.#limits = limits;
    this.#visibility = visibility;
    this.#isOpen = isOpen;
    const s = quoteSchema(schema);
    this.#sql = {
      load: statement(
        `SELECT transaction_id::text, idx FROM ${s}.checkpoints WHERE processor = $1`,
      ),
      lock: statement(
        `SELECT transaction_id::text, idx FROM ${s}.checkpoints WHERE processor = $1 FOR UPDATE`,
      ),
      // Saved only if the position is the start or at most the visible head, read in the
      // same statement: a checkpoint never runs ahead of what readers can see.
      save: statement(
        `WITH head AS (
           SELECT transaction_id, idx FROM ${s}.events WHERE ${VISIBLE}
           ORDER BY transaction_id DESC, idx DESC LIMIT 1
         )
         INSERT INTO ${s}.checkpoints (processor, transaction_id, idx, updated_at)
         SELECT $1, $2::xid8, $3::integer, now()
         WHERE ($2::xid8 = '0'::xid8 AND $3::integer = 0)
            OR EXISTS (SELECT FROM head WHERE (head.transaction_id, head.idx) >= ($2::xid8, $3::integer))
         ON CONFLICT (processor) DO UPDATE SET
           transaction_id = excluded.transaction_id, idx = excluded.idx, updated_at = excluded.updated_at`,
      ),
      remove: statement(`DELETE FROM ${s}.checkpoints WHERE processor = $1`),
    };
    this.#checkFence = fenceCheck(schema);
  }

  async loadCheckpoint(processor: string): Promise<Position | undefined> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    try {
      const [row] = await read(this.#pool, this.#sql.load, [processor]);
      return row ? encodePosition(row[0]!, row[1]!) : undefined;
    } catch (error) {
      throw translatePostgresError(error, `loading the checkpoint of ${processor}`);
    }
  }

  async saveCheckpoint(processor: string, position: Position, fence?: Fence): Promise<void> {
    this.#assertOpen();
    validateCheckpoint(processor, position, this.#limits);
    if (fence !== undefined) assertFence(fence, this.#limits);
    try {
      await this.#visibility.reach(position);
      if (!fence) await this.#save(this.#pool, processor, position);
      else {
        await inTransaction(this.#pool, async (client) => {
          await this.#checkFence(client, fence);
          await this.#save(client, processor, position);
        });
      }
    } catch (error) {
      throw translatePostgresError(error, `saving the checkpoint of ${processor}`);
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
    let failed: { error: unknown } | undefined;
    try {
      await this.#visibility.reach(position);
      await inTransaction(this.#pool, async (client) => {
        // First: a node that lost the segment learns it, even for a page it had committed.
        if (fence) await this.#checkFence(client, fence);
        // A page whose COMMIT was lost with its connection may have committed: the processor
        // then sends it again, and finds its checkpoint there already. Applying the work
        // again would apply it twice.
        const [stored] = await run(client, this.#sql.lock, [processor]);
        if (stored && encodePosition(stored[0]!, stored[1]!) >= position) return;
        try {
          await work(client);
        } catch (error) {
          failed = { error };
          throw error;
        }
        await this.#save(client, processor, position);
      });
    } catch (error) {
      // The projection's own failure reaches the processor as it was thrown, unless it is the
      // connection's: a lost session is the store's outage, waited out, not a poison event.
      if (failed && error === failed.error) {
        const translated = translatePostgresError(error, `projecting ${processor}`);
        throw !isEventedError(error) && translated.code === 'UNAVAILABLE' ? translated : error;
      }
      throw translatePostgresError(error, `projecting and checkpointing ${processor}`);
    }
  }

  async deleteCheckpoint(processor: string): Promise<void> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    try {
      await execute(this.#pool, this.#sql.remove, [processor]);
    } catch (error) {
      throw translatePostgresError(error, `deleting the checkpoint of ${processor}`);
    }
  }

  async #save(on: PostgresPool | PostgresClient, processor: string, position: Position) {
    const saved =
      position <= MAX_POSITION &&
      (await execute(on, this.#sql.save, [processor, ...decodePosition(position)])) > 0;
    if (!saved) {
      const head = await this.#visibility.head();
      throw invalidArgument('position', `${position} is beyond the head of the log (${head})`, {
        position: position.toString(),
        head: head.toString(),
      });
    }
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the PostgreSQL checkpoint store');
  }
}
