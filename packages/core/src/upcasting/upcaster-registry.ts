import { EventedError } from '../errors/evented-error.js';
import type { NewEvent, RecordedEvent } from '../event-store/types.js';
import { assertPositiveInteger, assertValidId, describeType } from '../validation/ids.js';
import type { Upcaster, UpcastOutput } from './upcaster.js';

/**
 * The upcasters of an application, chained per event type: it upcasts what is read to
 * each type's current schema version and stamps new events with it.
 *
 * A type's current version is the highest version its upcasters produce. An event of a
 * type no upcaster names is left as it is, at any version. An event of a type some
 * upcaster names must reach the current version; if no upcaster continues its chain, or
 * an upcaster throws, reading it fails with `UPCAST_FAILED`.
 */
export class UpcasterRegistry {
  /** Upcasters by type, then by the version they read. */
  readonly #from = new Map<string, Map<number, Upcaster>>();
  /** The current version of each type upcasters produce, when no upcaster reads on from it. */
  readonly #current = new Map<string, number>();
  /** Every type some upcaster reads or produces. */
  readonly #known = new Set<string>();

  /** Checks and indexes `upcasters`; a bad or duplicate one fails with `CONFIGURATION`. */
  constructor(upcasters: readonly Upcaster[]) {
    const produced = new Map<string, number>();
    for (const [i, upcaster] of upcasters.entries()) {
      const { type, fromVersion, toType = type } = checked(upcaster, i);
      const versions = this.#from.get(type) ?? new Map<number, Upcaster>();
      if (versions.has(fromVersion)) {
        throw new EventedError(
          'CONFIGURATION',
          `two upcasters read ${type} schema version ${fromVersion}`,
          { type, fromVersion },
        );
      }
      versions.set(fromVersion, upcaster);
      this.#from.set(type, versions);
      this.#known.add(type).add(toType);
      produced.set(toType, Math.max(produced.get(toType) ?? 0, fromVersion + 1));
    }
    for (const [type, version] of produced) {
      // A version read on into another type is no type's current version.
      if (!this.#from.get(type)?.has(version)) this.#current.set(type, version);
    }
  }

  /** How many upcasters it holds. */
  get size(): number {
    let size = 0;
    for (const versions of this.#from.values()) size += versions.size;
    return size;
  }

  /**
   * The schema version events of `type` are upcast to, and new ones are stamped with;
   * undefined for a type no upcaster produces.
   */
  currentVersion(type: string): number | undefined {
    return this.#current.get(type);
  }

  /**
   * The event at its type's current schema version: the same object when it is there
   * already or its type has no upcasters, a new one otherwise. Throws `UPCAST_FAILED`,
   * naming the event, its type and version, when the chain is broken or an upcaster throws.
   */
  upcast(event: RecordedEvent): RecordedEvent {
    if (!this.#known.has(event.type)) return event;
    let { type, schemaVersion, data, metadata } = event;
    for (let next = this.#from.get(type)?.get(schemaVersion); next;) {
      const output = runUpcaster(next, { type, schemaVersion, data, metadata }, event);
      type = next.toType ?? type;
      schemaVersion += 1;
      data = output.data;
      metadata = output.metadata ?? metadata;
      next = this.#from.get(type)?.get(schemaVersion);
    }
    const current = this.#current.get(type);
    if (current !== schemaVersion) {
      throw upcastFailed(event, brokenChain(type, schemaVersion, current), {
        reachedType: type,
        reachedVersion: schemaVersion,
        ...(current !== undefined && { currentVersion: current }),
      });
    }
    if (type === event.type && schemaVersion === event.schemaVersion) return event;
    return { ...event, type, schemaVersion, data, metadata };
  }

  /** Upcasts each event; the same array when none changes. */
  upcastAll<Events extends readonly RecordedEvent[]>(events: Events): Events {
    let changed: RecordedEvent[] | undefined;
    for (const [i, event] of events.entries()) {
      const upcast = this.upcast(event);
      if (upcast !== event) (changed ??= [...events])[i] = upcast;
    }
    return (changed as unknown as Events | undefined) ?? events;
  }

  /**
   * New events with `schemaVersion` set to their type's current version where absent, so
   * that business logic emits events at the version it is written for. Anything that is
   * not a well-formed event is passed on for the store to refuse.
   */
  stamp(events: readonly NewEvent[]): readonly NewEvent[] {
    if (this.#current.size === 0 || !Array.isArray(events)) return events;
    return events.map((event: NewEvent) => {
      if (typeof event !== 'object' || event === null || event.schemaVersion !== undefined) {
        return event;
      }
      const current = this.#current.get(event.type);
      return current === undefined ? event : { ...event, schemaVersion: current };
    });
  }
}

function checked(upcaster: Upcaster, index: number): Upcaster {
  const field = (name: string) => `upcasters[${index}].${name}`;
  try {
    if (typeof upcaster !== 'object' || upcaster === null) {
      throw new Error(`must be an object, found ${describeType(upcaster)}`);
    }
    assertValidId(field('type'), upcaster.type);
    assertPositiveInteger(field('fromVersion'), upcaster.fromVersion);
    if (upcaster.toType !== undefined) assertValidId(field('toType'), upcaster.toType);
    if (typeof upcaster.upcast !== 'function') {
      throw new Error(`${field('upcast')}: must be a function`);
    }
    return upcaster;
  } catch (error) {
    throw new EventedError('CONFIGURATION', `upcasters[${index}]: ${(error as Error).message}`, {
      field: `upcasters[${index}]`,
    });
  }
}

function runUpcaster(
  upcaster: Upcaster,
  input: Parameters<Upcaster['upcast']>[0],
  event: RecordedEvent,
): UpcastOutput {
  const step = `the upcaster of ${input.type} from schema version ${input.schemaVersion}`;
  let output: UpcastOutput;
  try {
    output = upcaster.upcast(input);
  } catch (error) {
    throw upcastFailed(
      event,
      `${step} threw: ${error instanceof Error ? error.message : String(error)}`,
      { reachedType: input.type, reachedVersion: input.schemaVersion },
      error,
    );
  }
  const metadata = (output as Partial<UpcastOutput> | undefined)?.metadata;
  if (
    typeof output !== 'object' ||
    output === null ||
    output.data === undefined ||
    (metadata !== undefined && (typeof metadata !== 'object' || metadata === null))
  ) {
    throw upcastFailed(event, `${step} returned ${describeType(output)}, not { data, metadata? }`, {
      reachedType: input.type,
      reachedVersion: input.schemaVersion,
    });
  }
  return output;
}

function brokenChain(type: string, version: number, current: number | undefined): string {
  if (current === undefined) return `no upcaster reads ${type} schema version ${version}`;
  if (version > current) {
    return `${type} schema version ${version} is newer than its current version ${current}`;
  }
  return `no upcaster reads ${type} schema version ${version} (its current version is ${current})`;
}

function upcastFailed(
  event: RecordedEvent,
  reason: string,
  facts: Record<string, unknown>,
  cause?: unknown,
): EventedError {
  return new EventedError(
    'UPCAST_FAILED',
    `event ${event.id} (${event.type} schema version ${event.schemaVersion}, ` +
      `${event.domain}/${event.aggregateId} v${event.version}) cannot be upcast: ${reason}`,
    {
      eventId: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion,
      domain: event.domain,
      aggregateId: event.aggregateId,
      version: event.version,
      position: event.position.toString(),
      reason,
      ...facts,
    },
    cause === undefined ? undefined : { cause },
  );
}
