import type { EventedError } from '../errors/evented-error.js';
import { isEventedError } from '../errors/evented-error.js';
import type { EventStore } from '../event-store/event-store.js';
import type { Position, RecordedEvent } from '../event-store/types.js';
import { START } from '../event-store/types.js';
import { assertPositiveInteger } from '../validation/ids.js';
import type { UpcasterRegistry } from './upcaster-registry.js';

/** Options of {@link checkUpcasters}. */
export interface UpcasterCheckOptions {
  /** Start after this position; default the start of the log. */
  readonly after?: Position;
  /** Events read per page, and so between progress reports; default 1000. */
  readonly pageSize?: number;
  /** Stops the walk after the page in hand. */
  readonly signal?: AbortSignal;
}

/** Defaults of {@link UpcasterCheckOptions}. */
export const defaultUpcasterCheckOptions = { pageSize: 1_000 } as const;

/** How far a walk has come. */
export interface UpcasterCheckProgress {
  /** Events examined so far. */
  readonly checked: number;
  /** Of those, the events that cannot be upcast. */
  readonly failed: number;
  /** The position examined up to. */
  readonly position: Position;
  /** The position of the last event in the log when the walk began. */
  readonly head: Position;
}

/** What {@link checkUpcasters} reports, in order: failures and progress as it goes, then `done`. */
export type UpcasterCheckReport =
  | {
      readonly kind: 'failure';
      /** The event as stored. */
      readonly event: RecordedEvent;
      /** The `UPCAST_FAILED` error reading it raises. */
      readonly error: EventedError;
    }
  | ({ readonly kind: 'progress' } & UpcasterCheckProgress)
  | ({ readonly kind: 'done' } & UpcasterCheckProgress);

/**
 * Walks the whole log as stored and upcasts each event, reporting every event that would
 * fail on read (a broken chain, an upcaster that throws), a progress report after each
 * page, and a last `done` report. Changes nothing. `evented events check-upcasters` runs
 * this on a server's store with the server's upcasters.
 */
export async function* checkUpcasters(
  store: EventStore,
  registry: UpcasterRegistry,
  options: UpcasterCheckOptions = {},
): AsyncGenerator<UpcasterCheckReport, void, undefined> {
  const pageSize = options.pageSize ?? defaultUpcasterCheckOptions.pageSize;
  assertPositiveInteger('pageSize', pageSize);
  const head = await store.headPosition();
  let position = options.after ?? START;
  let checked = 0;
  let failed = 0;
  for (;;) {
    const page = await store.readAll({ after: position, limit: pageSize });
    for (const event of page.events) {
      checked += 1;
      try {
        registry.upcast(event);
      } catch (error) {
        if (!isEventedError(error, 'UPCAST_FAILED')) throw error;
        failed += 1;
        yield { kind: 'failure', event, error };
      }
    }
    const stuck = page.position <= position;
    position = page.position;
    if (page.isEnd || stuck || options.signal?.aborted) break;
    yield { kind: 'progress', checked, failed, position, head };
  }
  yield { kind: 'done', checked, failed, position, head };
}
