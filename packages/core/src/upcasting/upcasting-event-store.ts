import type {
  AppendOptions,
  AppendResult,
  CommandRecord,
  EventStore,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  WaitOptions,
} from '../event-store/event-store.js';
import type { NewEvent, Position, RecordedEvent, StreamId } from '../event-store/types.js';
import type { Upcaster } from './upcaster.js';
import { UpcasterRegistry } from './upcaster-registry.js';

/** The optional `EventStore.countEvents`, by shape. */
type CountEvents = (
  after: Position,
  options: { readonly upTo: Position; readonly limit: number },
) => Promise<number>;

/**
 * An event store that upcasts every event it returns to its type's current schema version,
 * and stamps appended events that name no schema version with it. What is stored never
 * changes: reading the store beneath returns events as they were recorded.
 */
export class UpcastingEventStore implements EventStore {
  /** The store beneath, which returns events as recorded. */
  readonly stored: EventStore;
  readonly registry: UpcasterRegistry;
  /** The store beneath's `countEvents`, where it has one: counting needs no upcasting. */
  readonly countEvents?: CountEvents;

  constructor(store: EventStore, registry: UpcasterRegistry) {
    this.stored = store;
    this.registry = registry;
    const count = (store as { countEvents?: CountEvents }).countEvents;
    if (count) this.countEvents = count.bind(store);
  }

  async appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const result = await this.stored.appendToStream(stream, this.registry.stamp(events), options);
    // A repeated batch or command returns the events recorded the first time, maybe older.
    const upcast = this.registry.upcastAll(result.events);
    return upcast === result.events ? result : { ...result, events: upcast };
  }

  async readStream(stream: StreamId, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.registry.upcastAll(await this.stored.readStream(stream, options));
  }

  async readAll(options?: ReadAllOptions): Promise<ReadAllPage> {
    const page = await this.stored.readAll(options);
    const events = this.registry.upcastAll(page.events);
    return events === page.events ? page : { ...page, events };
  }

  streamVersion(stream: StreamId): Promise<number> {
    return this.stored.streamVersion(stream);
  }

  headPosition(): Promise<Position> {
    return this.stored.headPosition();
  }

  findCommand(commandId: string): Promise<CommandRecord | undefined> {
    return this.stored.findCommand(commandId);
  }

  waitForEvents(after: Position, options?: WaitOptions): Promise<boolean> {
    return this.stored.waitForEvents(after, options);
  }
}

/**
 * Wraps an event store so that everything read through it is upcast by `upcasters`; see
 * {@link UpcastingEventStore}. `Evented` does this itself for the `upcasters` of its config.
 *
 * ```ts
 * const events = upcastingEventStore(storage.eventStore, [depositedV2]);
 * const [opened] = await events.readStream({ domain: 'account', aggregateId: 'ann' });
 * ```
 */
export function upcastingEventStore(
  store: EventStore,
  upcasters: readonly Upcaster[] | UpcasterRegistry,
): UpcastingEventStore {
  const registry =
    upcasters instanceof UpcasterRegistry ? upcasters : new UpcasterRegistry(upcasters);
  return new UpcastingEventStore(store, registry);
}
