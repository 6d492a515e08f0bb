import type { Database, Statement } from 'better-sqlite3';
import type { Position, WaitOptions } from '@evented/core';
import { LogWaiters } from '@evented/core/internal';

/**
 * Wakes readers waiting for new events. Appends through this connection wake them at
 * once; appends by other connections (other processes on the same file) are noticed by
 * polling `PRAGMA data_version`, a read of shared memory, only while someone waits.
 */
export class ChangeNotifier {
  readonly #waiters = new LogWaiters();
  readonly #head: Statement;
  readonly #dataVersion: Statement | undefined;
  readonly #pollIntervalMs: number;
  #lastDataVersion = 0;
  #waking = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Database, pollIntervalMs: number) {
    this.#pollIntervalMs = pollIntervalMs;
    this.#head = db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck();
    if (!db.memory) this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** Resolves `true` once the log's head passes `after`, `false` on timeout, abort or close. */
  wait(after: Position, options: WaitOptions = {}): Promise<boolean> {
    const waiting = this.#waiters.add(after, options, () => {
      if (this.#waiters.size === 0) this.#stopPolling();
    });
    this.#startPolling();
    return waiting;
  }

  /**
   * Called after this connection committed new events. The waiters wake once the promise
   * callbacks running now are done (`process.nextTick`), before any I/O or timer: the
   * appends of a group commit all call this from their callers' continuations, and those
   * finish (and answer, for a server) before processors' reads and transactions take the
   * thread. The appends of one turn wake the waiters once, on one read of the head.
   */
  notify(): void {
    if (this.#waiters.size === 0 || this.#waking) return;
    this.#waking = true;
    process.nextTick(() => {
      this.#waking = false;
      if (this.#waiters.size > 0) this.#waiters.wake(BigInt(this.#head.get() as number));
    });
  }

  /** Resolves every waiter with `false`; used on close. */
  close(): void {
    this.#waiters.endAll();
    this.#stopPolling();
  }

  #startPolling(): void {
    if (this.#timer || !this.#dataVersion || this.#waiters.size === 0) return;
    this.#lastDataVersion = this.#dataVersion.get() as number;
    this.#timer = setInterval(() => this.#poll(), this.#pollIntervalMs);
    this.#timer.unref();
  }

  #poll(): void {
    const version = this.#dataVersion!.get() as number;
    if (version === this.#lastDataVersion) return;
    this.#lastDataVersion = version;
    this.notify();
  }

  #stopPolling(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
