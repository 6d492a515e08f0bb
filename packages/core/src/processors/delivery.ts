import { EventedError } from '../errors/evented-error.js';
import type { CheckpointStore } from '../checkpoint-store/checkpoint-store.js';
import type { Fence } from '../claim-store/claim-store.js';
import type { Position, RecordedEvent } from '../event-store/types.js';

/** Which checkpoint a commit moves, and the claim that entitles it to (none when unshared). */
export interface CheckpointTarget {
  readonly checkpoint: string;
  readonly fence: Fence | undefined;
}

/**
 * How a processor hands events to its handler and moves its checkpoint. `commit` handles
 * the events in order and saves `position` under `target`; when it throws, the checkpoint
 * is at most at the last event that was handled. A stale fence fails with `FENCED`.
 * `replaying` says the events are replayed after a reset (all of them: pages do not mix).
 */
export interface Delivery {
  commit(
    events: readonly RecordedEvent[],
    position: Position,
    target: CheckpointTarget,
    replaying?: boolean,
  ): Promise<void>;
  /**
   * Handles a parked event again, without moving the checkpoint, and settles its dead
   * letter: `after` the handler for at-least-once delivery, `within` the read model's
   * transaction for transactional delivery.
   */
  redeliver(event: RecordedEvent, settle: Settle): Promise<void>;
}

/** How a redelivered event's dead letter is removed. */
export interface Settle {
  after(): Promise<void>;
  within(work: (transaction: unknown) => void | Promise<void>): Promise<void>;
}

/** Handle each event (or the page at once, with `handleBatch`), then save the checkpoint: at least once. */
export function atLeastOnce(
  checkpoints: CheckpointStore,
  handle: (event: RecordedEvent, replaying: boolean) => void | Promise<void>,
  handleBatch?: (events: readonly RecordedEvent[], replaying: boolean) => void | Promise<void>,
): Delivery {
  return {
    async commit(events, position, target, replaying = false) {
      if (handleBatch) {
        if (events.length > 0) await handleBatch(events, replaying);
      } else {
        for (const event of events) await handle(event, replaying);
      }
      await checkpoints.saveCheckpoint(target.checkpoint, position, target.fence);
    },
    async redeliver(event, settle) {
      if (handleBatch) await handleBatch([event], false);
      else await handle(event, false);
      await settle.after();
    },
  };
}

/**
 * Handle the events and save the checkpoint in one store transaction: exactly once. With
 * `handleBatch`, the whole page goes to it in one call inside the transaction (a checkpoint
 * alone, with no events, calls neither).
 */
export function inStoreTransaction(
  name: string,
  checkpoints: CheckpointStore,
  handle: (event: RecordedEvent, transaction: unknown, replaying: boolean) => void | Promise<void>,
  handleBatch?: (
    events: readonly RecordedEvent[],
    transaction: unknown,
    replaying: boolean,
  ) => void | Promise<void>,
): Delivery {
  const saveWith = checkpoints.saveCheckpointWith?.bind(checkpoints);
  if (!saveWith) {
    throw new EventedError(
      'CONFIGURATION',
      `projector ${name} is transactional, but the store has no transactional checkpoints`,
      { processor: name },
    );
  }
  return {
    async commit(events, position, target, replaying = false) {
      await saveWith(
        target.checkpoint,
        position,
        (transaction) => {
          // Returned as it comes: a synchronous store (SQLite) needs the work done before it commits.
          if (handleBatch)
            return events.length > 0 ? handleBatch(events, transaction, replaying) : undefined;
          return handleAll(events, 0, (event) => handle(event, transaction, replaying));
        },
        target.fence,
      );
    },
    redeliver(event, settle) {
      return settle.within((transaction) =>
        handleBatch ? handleBatch([event], transaction, false) : handle(event, transaction, false),
      );
    },
  };
}

/**
 * Handles events in order, staying synchronous while the handler is, since a synchronous
 * store (SQLite) needs every write inside its transaction before it commits.
 */
function handleAll(
  events: readonly RecordedEvent[],
  from: number,
  handle: (event: RecordedEvent) => void | Promise<void>,
): void | Promise<void> {
  for (let i = from; i < events.length; i++) {
    const outcome = handle(events[i]!);
    if (outcome instanceof Promise) return outcome.then(() => handleAll(events, i + 1, handle));
  }
}
