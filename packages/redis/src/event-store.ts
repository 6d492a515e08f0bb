import type {
  AppendOptions,
  AppendResult,
  CommandRecord,
  EventFilter,
  EventStore,
  Limits,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  StreamId,
  WaitOptions,
} from '@evented/core';
import { EventedError, START } from '@evented/core';
import {
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertStreamId,
  assertValidId,
  closedError,
  concurrencyConflict,
  invalidArgument,
  parseJson,
  parseMetadata,
  prepareAppend,
} from '@evented/core/internal';
import type { PreparedAppend } from '@evented/core/internal';
import type { ChangeNotifier } from './change-notifier.js';
import type { RedisConnection } from './connection.js';
import { entryId, positionOf, toRecordedEvents } from './entries.js';
import { translateRedisError } from './errors.js';
import type { RedisKeys } from './schema.js';
import { appendScript, readAllFilteredScript, readStreamScript } from './scripts.js';

const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 100_000;
/** The largest id a Redis stream entry can have; a reader after it has nothing to read. */
const MAX_ENTRY_ID = 2n ** 64n - 1n;
/** Entries and payload bytes one filtered read examines at most before it returns. */
const FILTER_BUDGET = 4096;
const FILTER_BYTE_BUDGET = 8 * 1024 * 1024;

/** The event store on a Redis client. Obtain it from `openRedisStorage`. */
export class RedisEventStore implements EventStore {
  readonly #client: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #limits: Limits;
  readonly #notifier: ChangeNotifier;
  readonly #isOpen: () => boolean;

  constructor(
    client: RedisConnection,
    keys: RedisKeys,
    limits: Limits,
    notifier: ChangeNotifier,
    isOpen: () => boolean,
  ) {
    this.#client = client;
    this.#keys = keys;
    this.#limits = limits;
    this.#notifier = notifier;
    this.#isOpen = isOpen;
  }

  async appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.#assertOpen();
    const append = prepareAppend(stream, events, options, this.#limits);
    const operation = `appending to ${append.domain}/${append.aggregateId}`;
    let reply: unknown;
    try {
      reply = await appendScript.run(this.#client, this.#appendKeys(append), appendArgs(append));
    } catch (error) {
      throw translateRedisError(error, operation);
    }
    const result = await this.#appendResult(append, reply, operation);
    if (!result.duplicate && result.events.length > 0) {
      this.#notifier.advance(result.events.at(-1)!.position);
    }
    return result;
  }

  #appendKeys(append: PreparedAppend): string[] {
    const keys = this.#keys;
    return [keys.position, keys.log, keys.eventIds, keys.commands, keys.stream(append)];
  }

  async #appendResult(
    append: PreparedAppend,
    reply: unknown,
    operation: string,
  ): Promise<AppendResult> {
    const { domain, aggregateId } = append;
    const [outcome, ...rest] = Array.isArray(reply) ? (reply as unknown[]) : [];
    switch (outcome) {
      case 'ok': {
        const [first, current, recordedAt] = rest as [string, number, string];
        const recorded = recordedEvents(append, BigInt(first), current, Number(recordedAt));
        return {
          domain,
          aggregateId,
          events: recorded,
          version: current + recorded.length,
          duplicate: false,
        };
      }
      case 'command':
        return this.#commandResult(parseCommandRecord(append.commandId!, rest[0] as string));
      case 'duplicate': {
        const recorded = toRecordedEvents(rest[0]);
        return {
          domain,
          aggregateId,
          events: recorded,
          version: recorded.at(-1)!.version,
          duplicate: true,
        };
      }
      case 'conflict':
        throw concurrencyConflict(domain, aggregateId, append.expectedVersion, rest[0] as number);
      case 'exists': {
        const [eventId, otherDomain, otherAggregateId] = rest as [string, string, string];
        throw new EventedError(
          'ALREADY_EXISTS',
          `event id ${eventId} is recorded already, in stream ${otherDomain}/${otherAggregateId}`,
          { eventId, domain: otherDomain, aggregateId: otherAggregateId },
        );
      }
      default:
        throw new EventedError('INTERNAL', `${operation}: unexpected reply from the append script`);
    }
  }

  /** The original result of a repeated command: its events, read back (they never change). */
  async #commandResult(command: CommandRecord): Promise<AppendResult> {
    const count = command.toVersion - command.fromVersion;
    const events =
      count === 0
        ? []
        : await this.readStream(command, { fromVersion: command.fromVersion + 1, limit: count });
    return {
      domain: command.domain,
      aggregateId: command.aggregateId,
      events,
      version: command.toVersion,
      duplicate: true,
    };
  }

  async readStream(stream: StreamId, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    assertStreamId(stream, this.#limits);
    const direction = options.direction ?? 'forwards';
    if (direction !== 'forwards' && direction !== 'backwards') {
      throw invalidArgument('direction', "must be 'forwards' or 'backwards'");
    }
    if (options.limit !== undefined) assertNonNegativeInteger('limit', options.limit);
    if (options.fromVersion !== undefined)
      assertNonNegativeInteger('fromVersion', options.fromVersion);
    try {
      const entries = await readStreamScript.run(
        this.#client,
        [this.#keys.stream(stream), this.#keys.log],
        [direction, options.fromVersion ?? '', options.limit ?? ''],
      );
      return toRecordedEvents(entries);
    } catch (error) {
      throw translateRedisError(error, `reading ${stream.domain}/${stream.aggregateId}`);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    this.#assertOpen();
    const after = options.after ?? START;
    if (typeof after !== 'bigint' || after < 0n)
      throw invalidArgument('after', 'must be a non-negative bigint');
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    assertPositiveInteger('limit', limit);
    if (limit > MAX_PAGE_SIZE) throw invalidArgument('limit', `must be at most ${MAX_PAGE_SIZE}`);
    const filter = this.#checkFilter(options.filter);
    if (after >= MAX_ENTRY_ID) return { events: [], position: after, isEnd: true };
    try {
      if (filter) return await this.#readFiltered(after, limit, filter);
      const entries = await this.#client.call('XRANGE', [
        this.#keys.log,
        `(${entryId(after)}`,
        '+',
        'COUNT',
        limit,
      ]);
      const events = toRecordedEvents(entries);
      // The log is dense and XRANGE atomic: a short page ends at the head.
      const last = events.at(-1)?.position ?? after;
      return { events, position: last > after ? last : after, isEnd: events.length < limit };
    } catch (error) {
      throw translateRedisError(error, 'reading the global log');
    }
  }

  async #readFiltered(
    after: Position,
    limit: number,
    filter: EventFilter | 'nothing',
  ): Promise<ReadAllPage> {
    if (filter === 'nothing') {
      const head = await this.#head();
      return { events: [], position: head > after ? head : after, isEnd: true };
    }
    const set = (values: readonly string[] | undefined) =>
      values === undefined ? [-1] : [values.length, ...values];
    const reply = (await readAllFilteredScript.run(
      this.#client,
      [this.#keys.log, this.#keys.position],
      [
        after.toString(),
        limit,
        Math.max(limit, FILTER_BUDGET),
        FILTER_BYTE_BUDGET,
        ...set(filter.domains),
        ...set(filter.types),
      ],
    )) as [unknown, string, number];
    const [entries, reached, isEnd] = reply;
    const events = toRecordedEvents(entries);
    const position = isEnd === 1 ? BigInt(reached) : positionOf(reached);
    return { events, position: position > after ? position : after, isEnd: isEnd === 1 };
  }

  /** The filter checked: `undefined` when it selects everything, 'nothing' when it selects nothing. */
  #checkFilter(filter: EventFilter | undefined): EventFilter | 'nothing' | undefined {
    if (!filter || (filter.domains === undefined && filter.types === undefined)) return undefined;
    for (const field of ['domains', 'types'] as const) {
      const values = filter[field];
      if (values === undefined) continue;
      if (!Array.isArray(values))
        throw invalidArgument(`filter.${field}`, 'must be an array of strings');
      values.forEach((value, i) =>
        assertValidId(`filter.${field}[${i}]`, value, this.#limits.maxIdBytes),
      );
    }
    if (filter.domains?.length === 0 || filter.types?.length === 0) return 'nothing';
    return filter;
  }

  async streamVersion(stream: StreamId): Promise<number> {
    this.#assertOpen();
    assertStreamId(stream, this.#limits);
    try {
      return (await this.#client.call('LLEN', [this.#keys.stream(stream)])) as number;
    } catch (error) {
      throw translateRedisError(
        error,
        `reading the version of ${stream.domain}/${stream.aggregateId}`,
      );
    }
  }

  async headPosition(): Promise<Position> {
    this.#assertOpen();
    try {
      return await this.#head();
    } catch (error) {
      throw translateRedisError(error, 'reading the head of the log');
    }
  }

  async #head(): Promise<Position> {
    const head = await this.#client.call('GET', [this.#keys.position]);
    return head === null ? START : BigInt(head as string);
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    this.#assertOpen();
    assertValidId('commandId', commandId, this.#limits.maxIdBytes);
    try {
      const record = await this.#client.call('HGET', [this.#keys.commands, commandId]);
      return record === null ? undefined : parseCommandRecord(commandId, record as string);
    } catch (error) {
      throw translateRedisError(error, `finding command ${commandId}`);
    }
  }

  async waitForEvents(after: Position, options: WaitOptions = {}): Promise<boolean> {
    this.#assertOpen();
    if (typeof after !== 'bigint') throw invalidArgument('after', 'must be a bigint');
    if (options.signal?.aborted) return false;
    let head: Position | undefined;
    try {
      head = await this.#head();
    } catch (error) {
      // While Redis is unreachable, wait for it like for an append: the notifier retries.
      const translated = translateRedisError(error, 'reading the head of the log');
      if (translated.code !== 'UNAVAILABLE') throw translated;
    }
    if (head !== undefined && head > after) return true;
    return this.#notifier.wait(after, head ?? START, options);
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the Redis event store');
  }
}

/** The append script's ARGV: see `appendScript`. */
function appendArgs(append: PreparedAppend): (string | number)[] {
  const args: (string | number)[] = [
    append.domain,
    append.aggregateId,
    typeof append.expectedVersion === 'number'
      ? append.expectedVersion
      : append.expectedVersion === 'no-stream'
        ? 0
        : '',
    append.commandId ?? '',
    append.correlationId ?? '',
    append.causationId ?? '',
    append.events[0]?.idGiven ? '1' : '0',
    append.events.length,
  ];
  for (const event of append.events) {
    args.push(event.id, event.type, event.schemaVersion, event.metadataJson, event.dataJson);
  }
  return args;
}

/** The events an append recorded, built from what was sent: nothing large travels back. */
function recordedEvents(
  append: PreparedAppend,
  first: Position,
  current: number,
  recordedAt: number,
): RecordedEvent[] {
  return append.events.map((event, i) => ({
    id: event.id,
    domain: append.domain,
    aggregateId: append.aggregateId,
    version: current + i + 1,
    position: first + BigInt(i),
    type: event.type,
    data: parseJson(event.dataJson),
    metadata: parseMetadata(event.metadataJson),
    schemaVersion: event.schemaVersion,
    recordedAt: new Date(recordedAt),
    correlationId: append.correlationId,
    causationId: append.causationId,
  }));
}

/** Parses the `commands` hash value `from\0to\0domain\0aggregateId`; ids never hold a NUL. */
function parseCommandRecord(commandId: string, record: string): CommandRecord {
  const [from, to, domain, aggregateId] = record.split('\0');
  return {
    commandId,
    domain: domain!,
    aggregateId: aggregateId!,
    fromVersion: Number(from),
    toVersion: Number(to),
  };
}
