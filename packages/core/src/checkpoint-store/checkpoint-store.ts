import type { Fence } from '../claim-store/claim-store.js';
import type { Position } from '../event-store/types.js';

/**
 * The checkpoint store port: the position each named processor has fully handled.
 * Saving a position beyond the head of the log fails with `INVALID_ARGUMENT`.
 */
export interface CheckpointStore {
  loadCheckpoint(processor: string): Promise<Position | undefined>;
  /**
   * With a `fence`, the store checks in the same transaction that the fence is still the
   * segment's claim (same owner and token) and fails with `FENCED`, saving nothing, if not.
   */
  saveCheckpoint(processor: string, position: Position, fence?: Fence): Promise<void>;
  /** Forgets a processor's checkpoint, so that it starts again from the beginning. */
  deleteCheckpoint(processor: string): Promise<void>;
  /**
   * Runs `work` and saves the checkpoint in one transaction of the store, so that a read
   * model kept in the same database moves with its checkpoint: exactly once. `transaction`
   * is the adapter's handle (a better-sqlite3 `Database`, a `pg` client); adapter packages
   * offer typed helpers over it. Present when `capabilities.transactionalCheckpoints`.
   * On SQLite, whose transactions cannot span an `await`, `work` must be synchronous: a
   * returned promise fails the call with `INVALID_ARGUMENT` and nothing is committed.
   * With a `fence`, as for `saveCheckpoint`: a stale fence fails with `FENCED` and neither
   * the work nor the checkpoint commits.
   */
  saveCheckpointWith?(
    processor: string,
    position: Position,
    work: (transaction: unknown) => void | Promise<void>,
    fence?: Fence,
  ): Promise<void>;
}
