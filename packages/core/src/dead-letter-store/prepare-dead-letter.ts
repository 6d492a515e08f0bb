import { invalidArgument, limitExceeded } from '../errors/errors.js';
import type {
  JsonObject,
  JsonValue,
  Position,
  RecordedEvent,
  StreamId,
} from '../event-store/types.js';
import { START } from '../event-store/types.js';
import {
  assertPositiveInteger,
  assertValidId,
  describeType,
  describeValue,
  normalizeEventId,
} from '../validation/ids.js';
import { metadataToJson, toJson } from '../validation/json.js';
import type { Limits } from '../validation/limits.js';
import type { DeadLetter, ParkReason } from './dead-letter-store.js';

/** Bytes (UTF-8) of a dead letter's message; a longer one is cut and ends in a marker. */
export const MAX_DEAD_LETTER_MESSAGE_BYTES = 4096;
/** Bytes (UTF-8) of a dead letter's code; a longer one is cut and ends in a marker. */
export const MAX_DEAD_LETTER_CODE_BYTES = 256;
/** Dead letters `list` returns when no limit is given. */
export const DEFAULT_DEAD_LETTER_LIMIT = 100;
/** The most dead letters one `list` call returns. */
export const MAX_DEAD_LETTER_LIMIT = 10_000;
/** The largest attempt count: stores keep it as a 32-bit integer. */
export const MAX_DEAD_LETTER_ATTEMPTS = 2 ** 31 - 1;
// Positions travel as uint64 (the gRPC contract).
const MAX_POSITION = 2n ** 64n - 1n;
const REASONS: readonly ParkReason[] = ['failed', 'behind-parked'];

/** A dead letter checked and serialised: what a store writes, with nothing left to validate. */
export interface PreparedDeadLetter {
  readonly processor: string;
  /** The event id, lower case. */
  readonly eventId: string;
  readonly position: Position;
  readonly domain: string;
  readonly aggregateId: string;
  /** The whole recorded event as JSON; {@link parseDeadLetterEvent} reads it back. */
  readonly eventJson: string;
  readonly reason: ParkReason;
  readonly message: string;
  readonly code: string | null;
  readonly attempts: number;
}

/**
 * Validates a batch of dead letters and serialises their events, before any storage code
 * runs: one bad letter fails the whole batch with `INVALID_ARGUMENT` (or `LIMIT_EXCEEDED`).
 * A letter repeating an earlier one's `(processor, event.id)` is dropped: the first wins.
 */
export function prepareDeadLetters(letters: unknown, limits: Limits): PreparedDeadLetter[] {
  if (!Array.isArray(letters)) {
    throw invalidArgument('letters', `must be an array, found ${describeType(letters)}`);
  }
  if (letters.length > limits.maxEventsPerAppend) {
    throw limitExceeded('letters', limits.maxEventsPerAppend, letters.length, 'letters');
  }
  const seen = new Set<string>();
  const prepared: PreparedDeadLetter[] = [];
  let bytes = 0;
  for (const [index, letter] of (letters as unknown[]).entries()) {
    const one = prepareDeadLetter(`letters[${index}]`, letter, limits);
    bytes += Buffer.byteLength(one.eventJson);
    const key = `${one.processor}\u0000${one.eventId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    prepared.push(one);
  }
  if (bytes > limits.maxAppendBytes)
    throw limitExceeded('letters', limits.maxAppendBytes, bytes, 'bytes');
  return prepared;
}

function prepareDeadLetter(field: string, letter: unknown, limits: Limits): PreparedDeadLetter {
  if (typeof letter !== 'object' || letter === null) {
    throw invalidArgument(field, `must be an object, found ${describeType(letter)}`);
  }
  const { processor, event, reason, message, code, attempts } = letter as Record<string, unknown>;
  assertValidId(`${field}.processor`, processor, limits.maxIdBytes);
  if (!REASONS.includes(reason as ParkReason)) {
    throw invalidArgument(
      `${field}.reason`,
      `must be 'failed' or 'behind-parked', found ${describeValue(reason)}`,
    );
  }
  if (typeof message !== 'string') {
    throw invalidArgument(`${field}.message`, `must be a string, found ${describeType(message)}`);
  }
  if (code !== undefined && typeof code !== 'string') {
    throw invalidArgument(
      `${field}.code`,
      `must be a string or absent, found ${describeType(code)}`,
    );
  }
  if (
    typeof attempts !== 'number' ||
    !Number.isSafeInteger(attempts) ||
    attempts < 0 ||
    attempts > MAX_DEAD_LETTER_ATTEMPTS
  ) {
    throw invalidArgument(
      `${field}.attempts`,
      `must be an integer from 0 to ${MAX_DEAD_LETTER_ATTEMPTS}, found ${describeValue(attempts)}`,
    );
  }
  const recorded = prepareEvent(`${field}.event`, event, limits);
  return {
    processor,
    ...recorded,
    reason: reason as ParkReason,
    message: storableText(message, MAX_DEAD_LETTER_MESSAGE_BYTES),
    code: code === undefined ? null : storableText(code, MAX_DEAD_LETTER_CODE_BYTES),
    attempts,
  };
}

type PreparedEvent = Pick<
  PreparedDeadLetter,
  'eventId' | 'position' | 'domain' | 'aggregateId' | 'eventJson'
>;

/** Checks a recorded event field by field and writes it as JSON, position and time exact. */
function prepareEvent(field: string, event: unknown, limits: Limits): PreparedEvent {
  if (typeof event !== 'object' || event === null) {
    throw invalidArgument(field, `must be a recorded event, found ${describeType(event)}`);
  }
  const e = event as Record<keyof RecordedEvent, unknown>;
  const id = normalizeEventId(`${field}.id`, e.id);
  assertValidId(`${field}.domain`, e.domain, limits.maxIdBytes);
  assertValidId(`${field}.aggregateId`, e.aggregateId, limits.maxIdBytes);
  assertPositiveInteger(`${field}.version`, e.version);
  if (typeof e.position !== 'bigint' || e.position <= START || e.position > MAX_POSITION) {
    throw invalidArgument(
      `${field}.position`,
      `must be a bigint from 1 to 2^64-1, found ${describeValue(e.position)}`,
    );
  }
  assertValidId(`${field}.type`, e.type, limits.maxIdBytes);
  if (e.data === undefined) throw invalidArgument(`${field}.data`, 'is required');
  const dataJson = toJson(`${field}.data`, e.data, limits.maxEventDataBytes);
  const metadataJson = metadataToJson(`${field}.metadata`, e.metadata, limits.maxMetadataBytes);
  assertPositiveInteger(`${field}.schemaVersion`, e.schemaVersion);
  if (!(e.recordedAt instanceof Date) || Number.isNaN(e.recordedAt.getTime())) {
    throw invalidArgument(
      `${field}.recordedAt`,
      `must be a valid Date, found ${describeType(e.recordedAt)}`,
    );
  }
  const correlationId = optionalId(`${field}.correlationId`, e.correlationId, limits);
  const causationId = optionalId(`${field}.causationId`, e.causationId, limits);
  // Written by hand so that data and metadata, checked and serialised above, keep their text.
  const head = JSON.stringify({
    id,
    domain: e.domain,
    aggregateId: e.aggregateId,
    version: e.version,
    position: e.position.toString(),
    type: e.type,
    schemaVersion: e.schemaVersion,
    recordedAt: e.recordedAt.getTime(),
    correlationId,
    causationId,
  });
  const eventJson = `${head.slice(0, -1)},"data":${dataJson},"metadata":${metadataJson}}`;
  return {
    eventId: id,
    position: e.position,
    domain: e.domain,
    aggregateId: e.aggregateId,
    eventJson,
  };
}

function optionalId(field: string, value: unknown, limits: Limits): string | null {
  if (value === null || value === undefined) return null;
  assertValidId(field, value, limits.maxIdBytes);
  return value;
}

/** Reads back an event written by {@link prepareDeadLetters}. */
export function parseDeadLetterEvent(json: string): RecordedEvent {
  const e = JSON.parse(json) as Record<string, unknown>;
  return {
    id: e['id'] as string,
    domain: e['domain'] as string,
    aggregateId: e['aggregateId'] as string,
    version: e['version'] as number,
    position: BigInt(e['position'] as string),
    type: e['type'] as string,
    data: e['data'] as JsonValue,
    metadata: e['metadata'] as JsonObject,
    schemaVersion: e['schemaVersion'] as number,
    recordedAt: new Date(e['recordedAt'] as number),
    correlationId: (e['correlationId'] as string | null) ?? null,
    causationId: (e['causationId'] as string | null) ?? null,
  };
}

/** The dead letter a store read, from its stored parts. */
export function toDeadLetter(
  processor: string,
  eventJson: string,
  fields: {
    readonly reason: string;
    readonly message: string;
    readonly code: string | null;
    readonly attempts: number;
    readonly parkedAt: number;
  },
): DeadLetter {
  return {
    processor,
    event: parseDeadLetterEvent(eventJson),
    reason: fields.reason as ParkReason,
    message: fields.message,
    code: fields.code ?? undefined,
    attempts: fields.attempts,
    parkedAt: new Date(fields.parkedAt),
  };
}

/** A `list` query checked, with its defaults applied. */
export interface PreparedDeadLetterQuery {
  readonly processor: string;
  /** Only this aggregate's dead letters, when given. */
  readonly stream: StreamId | undefined;
  /** Only those after this position; `START` for all. */
  readonly after: Position;
  readonly limit: number;
}

/** Checks the arguments of `list`: domain and aggregate id both or neither, a bigint `after`, a limit up to 10,000. */
export function prepareDeadLetterQuery(
  processor: unknown,
  query: unknown,
  limits: Pick<Limits, 'maxIdBytes'>,
): PreparedDeadLetterQuery {
  assertValidId('processor', processor, limits.maxIdBytes);
  if (query === undefined) {
    return { processor, stream: undefined, after: START, limit: DEFAULT_DEAD_LETTER_LIMIT };
  }
  if (typeof query !== 'object' || query === null) {
    throw invalidArgument('query', `must be an object, found ${describeType(query)}`);
  }
  const { domain, aggregateId, after, limit } = query as Record<string, unknown>;
  let stream: StreamId | undefined;
  if (domain !== undefined || aggregateId !== undefined) {
    if (domain === undefined || aggregateId === undefined) {
      throw invalidArgument(
        domain === undefined ? 'domain' : 'aggregateId',
        'is required with the other: filter by domain and aggregateId together, or neither',
      );
    }
    assertValidId('domain', domain, limits.maxIdBytes);
    assertValidId('aggregateId', aggregateId, limits.maxIdBytes);
    stream = { domain, aggregateId };
  }
  if (after !== undefined && (typeof after !== 'bigint' || after < START)) {
    throw invalidArgument('after', `must be a non-negative bigint, found ${describeValue(after)}`);
  }
  const resolvedLimit = limit ?? DEFAULT_DEAD_LETTER_LIMIT;
  assertPositiveInteger('limit', resolvedLimit);
  if (resolvedLimit > MAX_DEAD_LETTER_LIMIT) {
    throw invalidArgument(
      'limit',
      `must be at most ${MAX_DEAD_LETTER_LIMIT}, found ${resolvedLimit}`,
    );
  }
  return {
    processor,
    stream,
    after: (after as Position | undefined) ?? START,
    limit: resolvedLimit,
  };
}

/** Checks the arguments of `remove`; returns the event ids lower case, each once. */
export function prepareDeadLetterRemoval(
  processor: unknown,
  eventIds: unknown,
  limits: Pick<Limits, 'maxIdBytes'>,
): string[] {
  assertValidId('processor', processor, limits.maxIdBytes);
  if (!Array.isArray(eventIds)) {
    throw invalidArgument('eventIds', `must be an array, found ${describeType(eventIds)}`);
  }
  const ids = (eventIds as unknown[]).map((id, i) => normalizeEventId(`eventIds[${i}]`, id));
  return [...new Set(ids)];
}

// NUL and lone surrogates: not every store can hold them (PostgreSQL text refuses NUL).
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A diagnostic text every store keeps as it is: NUL and lone surrogates become U+FFFD, and
 * a text over `maxBytes` UTF-8 bytes is cut at a character boundary and marked, the whole
 * staying within `maxBytes`.
 */
export function storableText(text: string, maxBytes: number): string {
  const clean = text.replace(UNSTORABLE, '\ufffd');
  if (clean.length * 3 <= maxBytes) return clean;
  const total = Buffer.byteLength(clean);
  if (total <= maxBytes) return clean;
  const marker = `… [truncated, ${total} bytes]`;
  const room = maxBytes - Buffer.byteLength(marker);
  let used = 0;
  let end = 0;
  for (const char of clean) {
    const code = char.codePointAt(0)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (used + size > room) break;
    used += size;
    end += char.length;
  }
  return clean.slice(0, end) + marker;
}
