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
import { START } from '@evented/core';
import {
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertStreamId,
  assertValidId,
  closedError,
  invalidArgument,
  prepareAppend,
} from '@evented/core/internal';
import type { AppendStatements } from './append-to-stream.js';
import { appendStatements, appendToStream } from './append-to-stream.js';
import type { ChangeNotifier } from './change-notifier.js';
import type { Cell, PostgresPool, Statement } from './connection.js';
import { quoteSchema, read, statement } from './connection.js';
import { translatePostgresError } from './errors.js';
import { decodePosition, encodePosition, EVENT_COLUMNS, toRecordedEvent } from './rows.js';
import type { Visibility } from './visibility.js';
import { headQuery, VISIBLE } from './visibility.js';

const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 100_000;

/**
 * The event store on PostgreSQL. Obtain it from `openPostgresStorage`. The global log is
 * ordered by `(transaction_id, idx)` and shows only events of transactions older than every
 * running one, so a reader never passes an event that can still commit below it.
 */
export class PostgresEventStore implements EventStore {
  readonly #pool: PostgresPool;
  readonly #schema: string;
  readonly #limits: Limits;
  readonly #notifier: ChangeNotifier;
  readonly #visibility: Visibility;
  readonly #isOpen: () => boolean;
  readonly #appendSql: AppendStatements;
  readonly #sql;
  readonly #filtered = new Map<string, Statement>();

  constructor(
    pool: PostgresPool,
    schema: string,
    limits: Limits,
    notifier: ChangeNotifier,
    visibility: Visibility,
    isOpen: () => boolean,
  ) {
    this.#pool = pool;
    this.#schema = schema;
    this.#limits = limits;
    this.#notifier = notifier;
    this.#visibility = visibility;
    this.#isOpen = isOpen;
    this.#appendSql = appendStatements(schema);
    const s = quoteSchema(schema);
    this.#sql = {
      version: statement(
        `SELECT coalesce(max(version), 0) FROM ${s}.events WHERE domain = $1 AND aggregate_id = $2`,
      ),
      backwards: statement(
        `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE domain = $1 AND aggregate_id = $2
         AND version <= $3 ORDER BY version DESC LIMIT $4`,
      ),
      all: statement(
        `SELECT ${EVENT_COLUMNS} FROM ${s}.events
         WHERE (transaction_id, idx) > ($1::xid8, $2::integer) AND ${VISIBLE}
         ORDER BY transaction_id, idx LIMIT $3`,
      ),
      count: statement(
        `SELECT count(*) FROM (SELECT 1 FROM ${s}.events
           WHERE (transaction_id, idx) > ($1::xid8, $2::integer)
             AND (transaction_id, idx) <= ($3::xid8, $4::integer) AND ${VISIBLE}
           LIMIT $5) AS counted`,
      ),
      findCommand: statement(
        `SELECT domain, aggregate_id, from_version, to_version FROM ${s}.commands WHERE command_id = $1`,
      ),
    };
  }

  async appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.#assertOpen();
    const append = prepareAppend(stream, events, options, this.#limits);
    try {
      const result = await appendToStream(this.#pool, this.#appendSql, append);
      const last = result.events.at(-1);
      if (!result.duplicate && last) {
        this.#visibility.recordAppend(last.position);
        this.#notifier.announce();
      }
      return result;
    } catch (error) {
      throw translatePostgresError(error, `appending to ${append.domain}/${append.aggregateId}`);
    }
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
    const { domain, aggregateId } = stream;
    const limit = options.limit ?? null;
    try {
      const rows =
        direction === 'forwards'
          ? await read(this.#pool, this.#appendSql.streamRange, [
              domain,
              aggregateId,
              options.fromVersion ?? 1,
              limit,
            ])
          : await read(this.#pool, this.#sql.backwards, [
              domain,
              aggregateId,
              options.fromVersion ?? Number.MAX_SAFE_INTEGER,
              limit,
            ]);
      return rows.map(toRecordedEvent);
    } catch (error) {
      throw translatePostgresError(error, `reading ${domain}/${aggregateId}`);
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
    const filter = this.#filterStatement(options.filter);
    try {
      const page = await this.#readPage(after, limit, filter);
      if (!page.isEnd || page.position >= this.#visibility.ownHead) return page;
      // This storage appended beyond the end: wait for its own events to become visible.
      await this.#visibility.reach(this.#visibility.ownHead);
      return await this.#readPage(after, limit, filter);
    } catch (error) {
      throw translatePostgresError(error, 'reading the global log');
    }
  }

  async #readPage(
    after: Position,
    limit: number,
    filter: { sql: Statement; values: unknown[] } | undefined,
  ): Promise<ReadAllPage> {
    const [transactionId, index] = decodePosition(after);
    let events: RecordedEvent[];
    let head: Position | undefined;
    if (!filter) {
      const rows = await read(this.#pool, this.#sql.all, [transactionId, index, limit]);
      events = rows.map(toRecordedEvent);
    } else {
      const rows = await read(this.#pool, filter.sql, [
        transactionId,
        index,
        limit,
        ...filter.values,
      ]);
      head = rows[0]![0] === null ? START : encodePosition(rows[0]![0]!, rows[0]![1]!);
      events = rows.filter((row) => row[4] !== null).map((row) => toRecordedEvent(row.slice(2)));
      // One outer row joined to the page: already in order, but SQL does not promise it.
      events.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    }
    const last = events.at(-1)?.position;
    if (last !== undefined) this.#visibility.observe(last);
    if (events.length === limit) return { events, position: last!, isEnd: false };
    // Without a filter the page holds every visible event after `after`: its last is the head.
    const end = head ?? last ?? after;
    if (head !== undefined) this.#visibility.observe(head);
    return { events, position: end > after ? end : after, isEnd: true };
  }

  /**
   * The statement of a filtered read and its extra values. It also returns the visible head
   * from the same snapshot: a page that a filter left short ends there, and a head read by
   * another statement could include events this page's snapshot did not show.
   */
  #filterStatement(
    filter: EventFilter | undefined,
  ): { sql: Statement; values: unknown[] } | undefined {
    if (!filter || (filter.domains === undefined && filter.types === undefined)) return undefined;
    const conditions: string[] = [];
    const values: unknown[] = [];
    for (const [field, column] of [
      ['domains', 'domain'],
      ['types', 'type'],
    ] as const) {
      const list = filter[field];
      if (list === undefined) continue;
      if (!Array.isArray(list))
        throw invalidArgument(`filter.${field}`, 'must be an array of strings');
      list.forEach((value, i) =>
        assertValidId(`filter.${field}[${i}]`, value, this.#limits.maxIdBytes),
      );
      // One value reads the (column, transaction_id, idx) index in order; a list cannot.
      values.push(list.length === 1 ? list[0] : list);
      const parameter = `$${values.length + 3}`;
      conditions.push(
        list.length === 1 ? `${column} = ${parameter}` : `${column} = ANY(${parameter}::text[])`,
      );
    }
    const s = quoteSchema(this.#schema);
    const text = `SELECT head.transaction_text, head.idx, page.* FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (${headQuery(this.#schema)}) AS head ON true
      LEFT JOIN LATERAL (
        SELECT ${EVENT_COLUMNS} FROM ${s}.events
        WHERE (transaction_id, idx) > ($1::xid8, $2::integer) AND ${VISIBLE}
          AND ${conditions.join(' AND ')}
        ORDER BY transaction_id, idx LIMIT $3
      ) AS page ON true`;
    let sql = this.#filtered.get(text);
    if (!sql) {
      sql = statement(text);
      this.#filtered.set(text, sql);
    }
    return { sql, values };
  }

  async streamVersion(stream: StreamId): Promise<number> {
    this.#assertOpen();
    assertStreamId(stream, this.#limits);
    try {
      const [row] = await read(this.#pool, this.#sql.version, [stream.domain, stream.aggregateId]);
      return Number(row![0]);
    } catch (error) {
      throw translatePostgresError(
        error,
        `reading the version of ${stream.domain}/${stream.aggregateId}`,
      );
    }
  }

  async headPosition(): Promise<Position> {
    this.#assertOpen();
    try {
      const head = await this.#visibility.head();
      if (head >= this.#visibility.ownHead) return head;
      // This storage appended beyond the head: wait for its own events to become visible.
      return (
        (await this.#visibility.reach(this.#visibility.ownHead)) ?? (await this.#visibility.head())
      );
    } catch (error) {
      throw translatePostgresError(error, 'reading the head of the log');
    }
  }

  async countEvents(after: Position, options: CountEventsOptions): Promise<number> {
    this.#assertOpen();
    const { upTo, limit } = options;
    if (typeof after !== 'bigint' || after < 0n)
      throw invalidArgument('after', 'must be a non-negative bigint');
    if (typeof upTo !== 'bigint') throw invalidArgument('upTo', 'must be a bigint');
    assertPositiveInteger('limit', limit);
    if (upTo <= after) return 0;
    try {
      const [row] = await read(this.#pool, this.#sql.count, [
        ...decodePosition(after),
        ...decodePosition(upTo),
        limit,
      ]);
      return Number(row![0]);
    } catch (error) {
      throw translatePostgresError(error, 'counting events of the global log');
    }
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    this.#assertOpen();
    assertValidId('commandId', commandId, this.#limits.maxIdBytes);
    let rows: Cell[][];
    try {
      rows = await read(this.#pool, this.#sql.findCommand, [commandId]);
    } catch (error) {
      throw translatePostgresError(error, `finding command ${commandId}`);
    }
    const [row] = rows;
    if (!row) return undefined;
    return {
      commandId,
      domain: row[0]!,
      aggregateId: row[1]!,
      fromVersion: Number(row[2]),
      toVersion: Number(row[3]),
    };
  }

  async waitForEvents(after: Position, options: WaitOptions = {}): Promise<boolean> {
    this.#assertOpen();
    if (typeof after !== 'bigint') throw invalidArgument('after', 'must be a bigint');
    if (options.signal?.aborted) return false;
    // Listen first: an append committing between the check and the wait still wakes it.
    await this.#notifier.listen();
    if (!this.#isOpen()) return false;
    try {
      if ((await this.#visibility.head()) > after) return true;
    } catch (error) {
      throw translatePostgresError(error, 'waiting for events');
    }
    // This storage appended beyond `after`: those events are coming, check often.
    return this.#notifier.wait(after, options, this.#visibility.ownHead > after);
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the PostgreSQL event store');
  }
}
