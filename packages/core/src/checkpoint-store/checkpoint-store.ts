import type { Position } from '../event-store/types.js';

/**
 * The checkpoint store port: the position each named processor has fully handled.
 * Saving a position beyond the head of the log fails with `INVALID_ARGUMENT`.
 */
export interface CheckpointStore {
  loadCheckpoint(processor: string): Promise<Position | undefined>;
  saveCheckpoint(processor: string, position: Position): Promise<void>;
  /** Forgets a processor's checkpoint, so that it starts again from the beginning. */
  deleteCheckpoint(processor: string): Promise<void>;
  /**
   * Runs `work` and saves the checkpoint in one transaction of the store, so that a read
   * model kept in the same database moves with its checkpoint: exactly once. `transaction`
   * is the adapter's handle (a better-sqlite3 `Database`, a `pg` client); adapter packages
   * offer typed helpers over it. Present when `capabilities.transactionalCheckpoints`.
   * On SQLite, whose transactions cannot span an `await`, `work` must be synchronous: a
   * returned promise fails the call with `INVALID_ARGUMENT` and nothing is committed.
   */
  saveCheckpointWith?(
    processor: string,
    position: Position,
    work: (transaction: unknown) => void | Promise<void>,
  ): Promise<void>;
}
