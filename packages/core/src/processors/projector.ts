import type { EventFilter } from '../event-store/event-store.js';
import type { RecordedEvent } from '../event-store/types.js';
import type { Storage } from '../storage/storage.js';
import type { ProcessorOptions } from './processor.js';

/** What a projector's `handle` receives besides the event. */
export interface ProjectionContext {
  /** The processor's name (the projector's). */
  readonly processor: string;
  /**
   * For `delivery: 'transactional'`, the store's open transaction (a better-sqlite3
   * `Database`, a `pg` client): write the read model through it, from `handle` or
   * `handleBatch`. Otherwise undefined.
   */
  readonly transaction: unknown;
}

/**
 * A read-model builder. Its processor reads the global log after the projector's
 * checkpoint, calls `handle` for each event in order, then saves the checkpoint.
 *
 * - `'at-least-once'` (default): after a crash, events since the last checkpoint are
 *   handled again, so `handle` should be idempotent.
 * - `'transactional'`: the read model lives in the store's database; `handle` (or
 *   `handleBatch`) writes it through `context.transaction`, and a page of events commits
 *   with its checkpoint in one transaction: exactly once. Needs a store with
 *   `transactionalCheckpoints`; adapter packages offer typed helpers (`sqliteProjector`,
 *   `postgresProjector`).
 */
export interface Projector {
  readonly name: string;
  /** Only events matching this are handled; the checkpoint still moves past the others. */
  readonly filter?: EventFilter;
  readonly delivery?: 'at-least-once' | 'transactional';
  handle(event: RecordedEvent, context: ProjectionContext): void | Promise<void>;
  /**
   * Handles a page of events in one call, in order, instead of `handle` one by one: for
   * projectors that write in bulk or sit behind a network hop. Used when present.
   *
   * With `delivery: 'transactional'` it runs inside the transaction that saves the page's
   * checkpoint (`context.transaction`), so a page and its checkpoint commit together or not
   * at all; on SQLite it must be synchronous. When a page fails, the processor retries its
   * events one at a time, each a page of one, and stops at the event that keeps failing.
   * Page size is `processorOptions.batchSize`.
   */
  handleBatch?(events: readonly RecordedEvent[], context: ProjectionContext): void | Promise<void>;
  /** Overrides the application's processor options for this projector. */
  readonly processorOptions?: ProcessorOptions;
  /** Called once before the processor starts, e.g. to create the read model's tables. */
  start?(storage: Storage): void | Promise<void>;
}
