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
  /**
   * True for events replayed after a reset or rebuild: those at or below the head of the
   * log as it was when the reset began. A page holds only replayed or only live events.
   */
  readonly replaying: boolean;
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
  /**
   * Clears the read model for a rebuild (`Evented.rebuildProjector`), which then replays
   * the log from the start. With `delivery: 'transactional'` it runs inside the transaction
   * that moves the checkpoint back (`transaction`, synchronous on SQLite), so a crash
   * cannot leave a cleared read model with its old checkpoint; otherwise `transaction` is
   * undefined and a crash midway makes the processor wait for the rebuild to be run again.
   */
  reset?(storage: Storage, transaction: unknown): void | Promise<void>;
  /**
   * The version of the read model, a positive integer; default 1. A version above 1 runs
   * as its own processor, `name@v<version>`, with its own checkpoint, so a new version
   * builds its read model beside the old one while queries read the old one; when it has
   * caught up, `promote` is called and the older versions of the projector that this
   * application runs stop.
   */
  readonly version?: number;
  /**
   * Makes this version the one queries read, e.g. by switching a pointer in one statement.
   * Called once the version's processor has caught up with the head of the log (every
   * segment, on whichever node), and again after each start that catches up: it must be
   * idempotent and must not demote a newer version.
   */
  promote?(storage: Storage): void | Promise<void>;
}

/** The processor name of a projector: its name, and `@v<version>` from version 2 on. */
export function projectorProcessorName(projector: Pick<Projector, 'name' | 'version'>): string {
  const version = projector.version ?? 1;
  return version > 1 ? `${projector.name}@v${version}` : projector.name;
}
