import { randomUUID } from 'node:crypto';
import { invalidArgument, limitExceeded } from '../errors/errors.js';
import {
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertValidId,
  describeType,
  describeValue,
  normalizeEventId,
} from '../validation/ids.js';
import { metadataToJson, toJson } from '../validation/json.js';
import type { Limits } from '../validation/limits.js';
import type { AppendOptions } from './event-store.js';
import type { ExpectedVersion, NewEvent, StreamId } from './types.js';

/** An event checked and serialised, ready for a store to write. */
export interface PreparedEvent {
  readonly id: string;
  /** True when the caller supplied the id (so a re-sent batch can be recognised). */
  readonly idGiven: boolean;
  readonly type: string;
  readonly dataJson: string;
  readonly metadataJson: string;
  readonly schemaVersion: number;
}

/** An append checked and serialised: what a store writes, with nothing left to validate. */
export interface PreparedAppend {
  readonly domain: string;
  readonly aggregateId: string;
  readonly events: readonly PreparedEvent[];
  readonly expectedVersion: ExpectedVersion;
  readonly commandId: string | null;
  readonly correlationId: string | null;
  readonly causationId: string | null;
}

/**
 * Validates an append against the id grammar and the limits, and serialises its events.
 * Every store calls this first, so bad input fails the same way everywhere and before any
 * storage code runs.
 */
export function prepareAppend(
  stream: StreamId,
  events: readonly NewEvent[],
  options: AppendOptions,
  limits: Limits,
): PreparedAppend {
  assertStreamId(stream, limits);
  if (!Array.isArray(events)) {
    throw invalidArgument('events', `must be an array, found ${describeType(events)}`);
  }
  if (events.length > limits.maxEventsPerAppend) {
    throw limitExceeded('events', limits.maxEventsPerAppend, events.length, 'events');
  }
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options', 'must be an object with expectedVersion');
  }
  assertExpectedVersion(options.expectedVersion);
  const commandId = optionalId('commandId', options.commandId, limits);
  const correlationId = optionalId('correlationId', options.correlationId, limits);
  const causationId = optionalId('causationId', options.causationId, limits);

  let totalBytes = 0;
  const seenIds = new Set<string>();
  const prepared = events.map((event, index): PreparedEvent => {
    const field = `events[${index}]`;
    if (typeof event !== 'object' || event === null) {
      throw invalidArgument(field, `must be an object, found ${describeType(event)}`);
    }
    assertValidId(`${field}.type`, event.type, limits.maxIdBytes);
    if (event.data === undefined) throw invalidArgument(`${field}.data`, 'is required');
    const dataJson = toJson(`${field}.data`, event.data, limits.maxEventDataBytes);
    const metadataJson = metadataToJson(
      `${field}.metadata`,
      event.metadata,
      limits.maxMetadataBytes,
    );
    const schemaVersion = event.schemaVersion ?? 1;
    assertPositiveInteger(`${field}.schemaVersion`, schemaVersion);
    const idGiven = event.id !== undefined;
    const id = idGiven ? normalizeEventId(`${field}.id`, event.id) : randomUUID();
    if (seenIds.has(id)) throw invalidArgument(`${field}.id`, `${id} appears twice in the batch`);
    seenIds.add(id);
    totalBytes += dataJson.length + metadataJson.length;
    return { id, idGiven, type: event.type, dataJson, metadataJson, schemaVersion };
  });
  if (totalBytes > limits.maxAppendBytes / 3) {
    const bytes = prepared.reduce(
      (sum, e) => sum + Buffer.byteLength(e.dataJson) + Buffer.byteLength(e.metadataJson),
      0,
    );
    if (bytes > limits.maxAppendBytes)
      throw limitExceeded('events', limits.maxAppendBytes, bytes, 'bytes');
  }
  return {
    domain: stream.domain,
    aggregateId: stream.aggregateId,
    events: prepared,
    expectedVersion: options.expectedVersion,
    commandId,
    correlationId,
    causationId,
  };
}

/** Checks a stream id: domain and aggregate id both follow the id grammar. */
export function assertStreamId(stream: StreamId, limits: Pick<Limits, 'maxIdBytes'>): void {
  if (typeof stream !== 'object' || stream === null) {
    throw invalidArgument(
      'stream',
      `must be { domain, aggregateId }, found ${describeType(stream)}`,
    );
  }
  assertValidId('domain', stream.domain, limits.maxIdBytes);
  assertValidId('aggregateId', stream.aggregateId, limits.maxIdBytes);
}

/** Checks an expected version: a non-negative integer, `'no-stream'` or `'any'`. */
export function assertExpectedVersion(value: unknown): asserts value is ExpectedVersion {
  if (value === 'any' || value === 'no-stream') return;
  if (typeof value === 'number') {
    assertNonNegativeInteger('expectedVersion', value);
    return;
  }
  throw invalidArgument(
    'expectedVersion',
    `must be a non-negative integer, 'no-stream' or 'any', found ${describeValue(value)}`,
  );
}

/** The version an expected version demands, or `undefined` for `'any'`. */
export function expectedVersionNumber(expected: ExpectedVersion): number | undefined {
  if (expected === 'any') return undefined;
  return expected === 'no-stream' ? 0 : expected;
}

function optionalId(field: string, value: unknown, limits: Limits): string | null {
  if (value === undefined || value === null) return null;
  assertValidId(field, value, limits.maxIdBytes);
  return value;
}
