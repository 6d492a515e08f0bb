import { setTimeout as sleep } from 'node:timers/promises';
import type { Position } from '@evented/core';
import { START } from '@evented/core';
import type { PostgresPool, Statement } from './connection.js';
import { quoteSchema, read, statement } from './connection.js';
import { encodePosition } from './rows.js';

/**
 * The condition that makes the global log safe to read: only events of transactions older
 * than every transaction still running. Any transaction that can still commit (and every
 * one that has yet to start writing) has an id at or above the snapshot's xmin, so nothing
 * can later appear below an event this returns. A rolled-back transaction simply ends, and
 * xmin moves past it.
 */
export const VISIBLE = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

/**
 * The select returning the highest visible `(transaction_id, idx)`, the id as text (under
 * another name, so that the sort is by the id itself); no row for an empty log.
 */
export function headQuery(schema: string): string {
  return `SELECT transaction_id::text AS transaction_text, idx FROM ${quoteSchema(schema)}.events
    WHERE ${VISIBLE} ORDER BY transaction_id DESC, idx DESC LIMIT 1`;
}

/**
 * The head of the visible log, and read-your-writes for one storage: an append this storage
 * acknowledged becomes visible to readers only once every older transaction in the cluster
 * has ended, usually at once. Reads that would otherwise end before this storage's own
 * appends wait for them, up to `timeoutMs`, then report the log as it is.
 */
export class Visibility {
  readonly #pool: PostgresPool;
  readonly #head: Statement;
  readonly #timeoutMs: number;
  #ownHead: Position = START;
  #seen: Position = START;

  constructor(pool: PostgresPool, schema: string, timeoutMs: number) {
    this.#pool = pool;
    this.#head = statement(headQuery(schema));
    this.#timeoutMs = timeoutMs;
  }

  /** The highest position this storage appended. */
  get ownHead(): Position {
    return this.#ownHead;
  }

  /** Notes a committed append of this storage. */
  recordAppend(position: Position): void {
    if (position > this.#ownHead) this.#ownHead = position;
  }

  /** Notes a position known to be visible (the head only grows). */
  observe(position: Position): void {
    if (position > this.#seen) this.#seen = position;
  }

  /** The position of the last visible event; `START` for an empty log. */
  async head(): Promise<Position> {
    const [row] = await read(this.#pool, this.#head, []);
    const head = row ? encodePosition(row[0]!, row[1]!) : START;
    this.observe(head);
    return head;
  }

  /**
   * Waits, at most the timeout, until the visible head reaches `position` if that is an
   * append of this storage not yet seen visible; returns the last head read, if it read one.
   */
  async reach(position: Position): Promise<Position | undefined> {
    if (position <= this.#seen || position > this.#ownHead) return undefined;
    const deadline = Date.now() + this.#timeoutMs;
    let head: Position | undefined;
    for (let delay = 1; Date.now() < deadline; delay = Math.min(delay * 2, 50)) {
      head = await this.head();
      if (head >= position) break;
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    }
    return head;
  }
}
