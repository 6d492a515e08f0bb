import { EventedError } from '../errors/evented-error.js';
import type { RecordedEvent } from '../event-store/types.js';
import type { ProjectionContext, Projector } from '../processors/projector.js';
import type { Storage } from '../storage/storage.js';
import type { GivenEvent } from './event-log.js';
import { EventLog, matchesFilter } from './event-log.js';
import { assertMatches } from './mismatch.js';

/** Options of {@link projectorFixture}. */
export interface ProjectorFixtureOptions {
  /**
   * The store whose database holds the read model: needed by a projector with `start` or
   * with `delivery: 'transactional'` (an `sqliteProjector`, say `openSqliteStorage()`).
   * Given events are then appended to it, so ids, versions and positions are the store's,
   * and a transactional projector takes them in the transaction of its checkpoint.
   */
  readonly storage?: Storage;
  /** The given events' domain when they name none; default `'test'`. */
  readonly domain?: string;
  /** The given events' aggregate when they name none; default `'test-1'`. */
  readonly aggregateId?: string;
}

/** A read model after some events; see {@link projectorFixture}. */
export interface ProjectorGiven {
  /**
   * Delivers the given events, then fails unless `query` (a read of the read model)
   * returns `expected`, with a diff.
   */
  thenReadModel<T>(query: () => T | Promise<T>, expected: T): Promise<void>;
}

/** Given/then tests of a projector; see {@link projectorFixture}. */
export interface ProjectorFixture {
  /**
   * These events happen after those given before; they reach the projector in order,
   * filtered by its filter, as one page when it has `handleBatch`.
   */
  given(...events: GivenEvent[]): ProjectorGiven;
}

/**
 * Given events, then read model: feeds a projector `RecordedEvent`s as its processor
 * would, and compares what a query of the read model returns. Without a store, the
 * fixture records the events itself (versions per stream, growing positions, UUIDs);
 * with `storage`, it appends them to the store first.
 *
 * ```ts
 * const balances = balancesProjector();
 * const fixture = projectorFixture(balances, { storage: await openSqliteStorage(), domain: 'account' });
 * await fixture
 *   .given({ aggregateId: 'ann', type: 'AccountOpened', data: { owner: 'Ann', overdraftLimit: 0 } })
 *   .thenReadModel(() => balances.list(), [{ accountId: 'ann', owner: 'Ann', balance: 0 }]);
 * ```
 */
export function projectorFixture(
  projector: Projector,
  options: ProjectorFixtureOptions = {},
): ProjectorFixture {
  const { storage } = options;
  const name = projector.name;
  const log = new EventLog({
    domain: options.domain ?? 'test',
    aggregateId: options.aggregateId ?? 'test-1',
  });
  if (!storage && (projector.start || projector.delivery === 'transactional')) {
    throw new EventedError(
      'CONFIGURATION',
      `projector ${name} keeps its read model in the store: pass projectorFixture(projector, { storage })`,
    );
  }
  let started: Promise<void> | undefined;
  // Deliveries run one after the other, in the order of the `given` calls.
  let delivered: Promise<void> = Promise.resolve();
  const deliver = (given: readonly GivenEvent[]): Promise<void> =>
    (delivered = delivered.then(async () => {
      await (started ??= Promise.resolve(storage && projector.start?.(storage)));
      const events = storage ? await appendTo(storage, given, log) : log.record(given);
      const page = events.filter((event) => matchesFilter(projector.filter, event));
      const last = events.at(-1);
      if (!last) return;
      // Live events, as a processor following the log delivers them.
      const context = { processor: name, transaction: undefined as unknown, replaying: false };
      if (projector.delivery === 'transactional') {
        await storage!.checkpointStore.saveCheckpointWith!(name, last.position, (transaction) =>
          handlePage(projector, page, { ...context, transaction }),
        );
      } else {
        await handlePage(projector, page, context);
      }
    }));
  return {
    given(...events) {
      const delivering = deliver(events);
      // Rejections surface through thenReadModel; none is left unhandled meanwhile.
      delivering.catch(() => {});
      return {
        async thenReadModel(query, expected) {
          await delivering;
          assertMatches(`projector ${name}: the read model differs`, await query(), expected);
        },
      };
    },
  };
}

/** Appends the given events to the store, in order, and returns them as recorded there. */
async function appendTo(
  storage: Storage,
  given: readonly GivenEvent[],
  log: EventLog,
): Promise<RecordedEvent[]> {
  const recorded: RecordedEvent[] = [];
  for (const event of given) {
    const stream = {
      domain: event.domain ?? log.defaults.domain,
      aggregateId: event.aggregateId ?? log.defaults.aggregateId,
    };
    const { type, data, metadata, id, schemaVersion, correlationId, causationId } = event;
    const newEvent = {
      type,
      data: data as RecordedEvent['data'],
      ...(metadata && { metadata }),
      ...(id && { id }),
      ...(schemaVersion && { schemaVersion }),
    };
    const result = await storage.eventStore.appendToStream(stream, [newEvent], {
      expectedVersion: 'any',
      ...(correlationId && { correlationId }),
      ...(causationId && { causationId }),
    });
    recorded.push(...result.events);
  }
  return recorded;
}

/**
 * A page through `handleBatch`, or event by event through `handle`, staying synchronous
 * while the projector is: SQLite needs every write inside its transaction before it commits.
 */
function handlePage(
  projector: Projector,
  events: readonly RecordedEvent[],
  context: ProjectionContext,
): void | Promise<void> {
  if (events.length === 0) return;
  if (projector.handleBatch) return projector.handleBatch(events, context);
  const from = (index: number): void | Promise<void> => {
    for (let i = index; i < events.length; i++) {
      const outcome = projector.handle(events[i]!, context);
      if (outcome instanceof Promise) return outcome.then(() => from(i + 1));
    }
  };
  return from(0);
}
