import { EventedError } from '../errors/evented-error.js';
import type { CheckpointStore } from '../checkpoint-store/checkpoint-store.js';
import type { Position, RecordedEvent } from '../event-store/types.js';

/**
 * How a processor hands events to its handler and moves its checkpoint. `commit` handles
 * the events in order and saves `position`; when it throws, the checkpoint is at most at
 * the last event that was handled.
 */
export interface Delivery {
  commit(events: readonly RecordedEvent[], position: Position): Promise<void>;
}

/** Handle each event (or the page at once, with `handleBatch`), then save the checkpoint: at least once. */
export function atLeastOnce(
  name: string,
  checkpoints: CheckpointStore,
  handle: (event: RecordedEvent) => void | Promise<void>,
  handleBatch?: (events: readonly RecordedEvent[]) => void | Promise<void>,
): Delivery {
  return {
    async commit(events, position) {
      if (handleBatch) {
        if (events.length > 0) await handleBatch(events);
      } else {
        for (const event of events) await handle(event);
      }
      await checkpoints.saveCheckpoint(name, position);
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
  handle: (event: RecordedEvent, transaction: unknown) => void | Promise<void>,
  handleBatch?: (events: readonly RecordedEvent[], transaction: unknown) => void | Promise<void>,
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
    async commit(events, position) {
      await saveWith(name, position, (transaction) => {
        // Returned as it comes: a synchronous store (SQLite) needs the work done before it commits.
        if (handleBatch) return events.length > 0 ? handleBatch(events, transaction) : undefined;
        return handleAll(events, 0, (event) => handle(event, transaction));
      });
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
