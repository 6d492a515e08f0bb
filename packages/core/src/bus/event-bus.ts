import type { RecordedEvent } from '../event-store/types.js';

/** Receives the events of each append, after they were recorded. */
export type EventListener = (events: readonly RecordedEvent[]) => void | Promise<void>;

/**
 * The event bus port. A bus only wakes consumers up: the store's log stays the one source
 * of truth, so a consumer that missed a message catches up from its checkpoint.
 */
export interface EventBus {
  publish(events: readonly RecordedEvent[]): Promise<void>;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: EventListener): () => void;
}
