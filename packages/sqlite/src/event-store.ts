import type { Database, Statement } from 'better-sqlite3';
import type {
  AppendOptions,
  AppendResult,
  CommandRecord,
  CountEventsOptions,
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
  expectedVersionNumber,
  invalidArgument,
  prepareAppend,
} from '@evented/core/internal';
import type { PreparedAppend } from '@evented/core/internal';
import type { ChangeNotifier } from './change-notifier.js';
import { translateSqliteError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { EVENT_COLUMNS, toRecordedEvent } from './rows.js';
import type { EventRow } from './rows.js';

const DEFAULT_PAGE_SIZE = 1000;

/** Package-private: lets the storage commit queued appends before it closes. */
export const flushAppends = Symbol('flushAppends');
const MAX_PAGE_SIZE = 100_000;
/** The largest SQLite integer; no position is above it, and a larger one cannot be bound. */
const MAX_POSITION = 2n ** 63n - 1n;

/** The event store on a better-sqlite3 connection. Obtain it from `openSqliteStorage`. */
export class SqliteEventStore implements EventStore {
  readonly #db: Database;
  readonly #limits: Limits;
  readonly #notifier: ChangeNotifier;
  readonly #isOpen: () => boolean;
  readonly #sql;
  readonly #filtered = new Map<string, Statement>();
  readonly #commits: GroupCommit<PreparedAppend, AppendResult>;

  constructor(db: Database, limits: Limits, notifier: ChangeNotifier, isOpen: () => boolean) {
    this.#db = db;
    this.#limits = limits;
    this.#notifier = notifier;
    this.#isOpen = isOpen;
    this.#commits = new GroupCommit(
      db,
      (append) => this.#append(append),
      (error, append) =>
        translateSqliteError(error, `appending to ${append.domain}/${append.aggregateId}`),
    );
    this.#sql = {
      version: db
        .prepare(
          'SELECT coalesce(max(version), 0) FROM events WHERE domain = ? AND aggregate_id = ?',
        )
        .pluck(),
      head: db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      count: db
        .prepare(
          'SELECT count(*) FROM (SELECT 1 FROM events WHERE position > ? AND position <= ? LIMIT ?)',
        )
        .pluck(),
      insert: db.prepare(
        `INSERT INTO events (id, domain, aggregate_id, version, type, data, metadata, schema_version,
           recorded_at, correlation_id, causation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      streamOfEvent: db.prepare(
        'SELECT domain, aggregate_id AS aggregateId, version FROM events WHERE id = ?',
      ),
      forwards: db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE domain = ? AND aggregate_id = ? AND version >= ?
           ORDER BY version LIMIT ?`,
        )
        .raw(),
      backwards: db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE domain = ? AND aggregate_id = ? AND version <= ?
           ORDER BY version DESC LIMIT ?`,
        )
        .raw(),
      all: db
        .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
        .raw(),
      findCommand: db.prepare(
        `SELECT command_id AS commandId, domain, aggregate_id AS aggregateId, from_version AS fromVersion,
           to_version AS toVersion FROM commands WHERE command_id = ?`,
      ),
      insertCommand: db.prepare(
        `INSERT INTO commands (command_id, domain, aggregate_id, from_version, to_version, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  async appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.#assertOpen();
    const result = await this.#commits.submit(prepareAppend(stream, events, options, this.#limits));
    if (!result.duplicate && result.events.length > 0) this.#notifier.notify();
    return result;
  }

  /** Commits the appends queued for the next group commit at once; used on close. */
  [flushAppends](): void {
    this.#commits.flush();
  }

  #append(append: PreparedAppend): AppendResult {
    const { domain, aggregateId } = append;
    if (append.commandId !== null) {
      const command = this.#sql.findCommand.get(append.commandId) as CommandRecord | undefined;
      if (command) return this.#commandResult(command);
    }
    const current = this.#sql.version.get(domain, aggregateId) as number;
    const expected = expectedVersionNumber(append.expectedVersion);
    if (expected !== current) {
      const duplicate = this.#findResentBatch(append);
      if (duplicate) return duplicate;
      if (expected !== undefined)
        throw concurrencyConflict(domain, aggregateId, append.expectedVersion, current);
    }
    const recordedAt = Date.now();
    const recorded: RecordedEvent[] = [];
    let version = current;
    for (const event of append.events) {
      version += 1;
      const row = [
        event.id,
        domain,
        aggregateId,
        version,
        event.type,
        event.dataJson,
        event.metadataJson,
        event.schemaVersion,
        recordedAt,
        append.correlationId,
        append.causationId,
      ] as const;
      let position: number | bigint;
      try {
        position = this.#sql.insert.run(...row).lastInsertRowid;
      } catch (error) {
        throw this.#insertError(error, event.id);
      }
      recorded.push(toRecordedEvent([Number(position), ...row] as EventRow));
    }
    if (append.commandId !== null) {
      this.#sql.insertCommand.run(
        append.commandId,
        domain,
        aggregateId,
        current,
        version,
        recordedAt,
      );
    }
    return { domain, aggregateId, events: recorded, version, duplicate: false };
  }

  /** The original result of a batch whose event ids are stored already, if this is one. */
  #findResentBatch(append: PreparedAppend): AppendResult | undefined {
    const first = append.events[0];
    if (!first?.idGiven) return undefined;
    const stored = this.#sql.streamOfEvent.get(first.id) as
      (StreamId & { version: number }) | undefined;
    if (!stored || stored.domain !== append.domain || stored.aggregateId !== append.aggregateId) {
      return undefined;
    }
    const expected = expectedVersionNumber(append.expectedVersion);
    if (expected !== undefined && expected !== stored.version - 1) return undefined;
    const rows = this.#sql.forwards.all(
      append.domain,
      append.aggregateId,
      stored.version,
      append.events.length,
    ) as EventRow[];
    const same =
      rows.length === append.events.length &&
      rows.every((row, i) => row[1] === append.events[i]!.id);
    if (!same) return undefined;
    const events = rows.map(toRecordedEvent);
    return {
      domain: append.domain,
      aggregateId: append.aggregateId,
      events,
      version: events.at(-1)!.version,
      duplicate: true,
    };
  }

  #commandResult(command: CommandRecord): AppendResult {
    const count = command.toVersion - command.fromVersion;
    const rows =
      count === 0
        ? []
        : (this.#sql.forwards.all(
            command.domain,
            command.aggregateId,
            command.fromVersion + 1,
            count,
          ) as EventRow[]);
    return {
      domain: command.domain,
      aggregateId: command.aggregateId,
      events: rows.map(toRecordedEvent),
      version: command.toVersion,
      duplicate: true,
    };
  }

  #insertError(error: unknown, eventId: string): unknown {
    const code = (error as { code?: unknown }).code;
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE') return error;
    const stored = this.#sql.streamOfEvent.get(eventId) as StreamId | undefined;
    if (!stored) return error;
    return new EventedError(
      'ALREADY_EXISTS',
      `event id ${eventId} is recorded already, in stream ${stored.domain}/${stored.aggregateId}`,
      { eventId, domain: stored.domain, aggregateId: stored.aggregateId },
    );
  }

  async readStream(stream: StreamId, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    assertStreamId(stream, this.#limits);
    const direction = options.direction ?? 'forwards';
    if (direction !== 'forwards' && direction !== 'backwards') {
      throw invalidArgument('direction', "must be 'forwards' or 'backwards'");
    }
    const limit = options.limit ?? -1;
    if (options.limit !== undefined) assertNonNegativeInteger('limit', options.limit);
    if (options.fromVersion !== undefined)
      assertNonNegativeInteger('fromVersion', options.fromVersion);
    const { domain, aggregateId } = stream;
    try {
      const rows =
        direction === 'forwards'
          ? this.#sql.forwards.all(domain, aggregateId, options.fromVersion ?? 1, limit)
          : this.#sql.backwards.all(
              domain,
              aggregateId,
              options.fromVersion ?? Number.MAX_SAFE_INTEGER,
              limit,
            );
      return (rows as EventRow[]).map(toRecordedEvent);
    } catch (error) {
      throw translateSqliteError(error, `reading ${domain}/${aggregateId}`);
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
    const statement = this.#readAllStatement(options.filter);
    try {
      return this.#db.transaction(() => {
        const params = [
          after > MAX_POSITION ? MAX_POSITION : after,
          ...(options.filter?.domains ?? []),
          ...(options.filter?.types ?? []),
          limit,
        ];
        const events = (statement.all(...params) as EventRow[]).map(toRecordedEvent);
        if (events.length === limit)
          return { events, position: events.at(-1)!.position, isEnd: false };
        const head = BigInt(this.#sql.head.get() as number);
        return { events, position: head > after ? head : after, isEnd: true };
      })();
    } catch (error) {
      throw translateSqliteError(error, 'reading the global log');
    }
  }

  #readAllStatement(filter: EventFilter | undefined): Statement {
    if (!filter || (filter.domains === undefined && filter.types === undefined))
      return this.#sql.all;
    const conditions = ['position > ?'];
    for (const [field, column] of [
      ['domains', 'domain'],
      ['types', 'type'],
    ] as const) {
      const values = filter[field];
      if (values === undefined) continue;
      if (!Array.isArray(values))
        throw invalidArgument(`filter.${field}`, 'must be an array of strings');
      values.forEach((value, i) =>
        assertValidId(`filter.${field}[${i}]`, value, this.#limits.maxIdBytes),
      );
      conditions.push(
        values.length === 0 ? '0' : `${column} IN (${values.map(() => '?').join(', ')})`,
      );
    }
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${conditions.join(' AND ')} ORDER BY position LIMIT ?`;
    let statement = this.#filtered.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql).raw();
      if (this.#filtered.size < 256) this.#filtered.set(sql, statement);
    }
    return statement;
  }

  async streamVersion(stream: StreamId): Promise<number> {
    this.#assertOpen();
    assertStreamId(stream, this.#limits);
    return this.#sql.version.get(stream.domain, stream.aggregateId) as number;
  }

  async headPosition(): Promise<Position> {
    this.#assertOpen();
    return BigInt(this.#sql.head.get() as number);
  }

  async countEvents(after: Position, options: CountEventsOptions): Promise<number> {
    this.#assertOpen();
    const { upTo, limit } = options;
    if (typeof after !== 'bigint' || after < 0n)
      throw invalidArgument('after', 'must be a non-negative bigint');
    if (typeof upTo !== 'bigint') throw invalidArgument('upTo', 'must be a bigint');
    assertPositiveInteger('limit', limit);
    if (upTo <= after) return 0;
    const clamp = (position: Position) => (position > MAX_POSITION ? MAX_POSITION : position);
    return this.#sql.count.get(clamp(after), clamp(upTo), limit) as number;
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    this.#assertOpen();
    assertValidId('commandId', commandId, this.#limits.maxIdBytes);
    return this.#sql.findCommand.get(commandId) as CommandRecord | undefined;
  }

  async waitForEvents(after: Position, options: WaitOptions = {}): Promise<boolean> {
    this.#assertOpen();
    if (typeof after !== 'bigint') throw invalidArgument('after', 'must be a bigint');
    if (BigInt(this.#sql.head.get() as number) > after) return true;
    return this.#notifier.wait(after, options);
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the SQLite event store');
  }
}
