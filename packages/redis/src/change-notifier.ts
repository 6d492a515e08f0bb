import type { Position, WaitOptions } from '@evented/core';
import { LogWaiters } from '@evented/core/internal';
import type { RedisConnection } from './connection.js';
import { entryId } from './entries.js';

/** How long one blocking read lasts before the loop looks again at who still waits. */
const BLOCK_MS = 10_000;
const MAX_BACKOFF_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wakes readers waiting for new events. While anyone waits, one dedicated connection
 * (a duplicate of the storage's client, opened on the first wait and kept until close)
 * runs `XREAD BLOCK` on the log after the highest head it knows: Redis answers as soon as
 * any process appends. One read serves every waiter; a waiter that times out or is
 * aborted just leaves the set, and the connection is reused by the next wait. Appends
 * through this storage wake waiters at once, without the round trip.
 */
export class ChangeNotifier {
  readonly #client: RedisConnection;
  readonly #log: string;
  readonly #readHead: () => Promise<Position>;
  readonly #waiters = new LogWaiters();
  #blocker: RedisConnection | undefined;
  #head: Position = 0n;
  #running = false;
  #closed = false;

  constructor(client: RedisConnection, log: string, readHead: () => Promise<Position>) {
    this.#client = client;
    this.#log = log;
    this.#readHead = readHead;
  }

  /**
   * Resolves `true` once the head passes `after`, `false` on timeout, abort or close.
   * `head` is the head the caller just read, at or below `after`.
   */
  wait(after: Position, head: Position, options: WaitOptions = {}): Promise<boolean> {
    if (options.signal?.aborted || this.#closed) return Promise.resolve(false);
    if (head > this.#head) this.#head = head;
    const waiting = this.#waiters.add(after, options);
    void this.#run();
    return waiting;
  }

  /** Records a new head (after an append, or read by the loop) and wakes who waited for it. */
  advance(head: Position): void {
    if (head > this.#head) this.#head = head;
    this.#waiters.wake(this.#head);
  }

  /** Resolves every waiter with `false` and closes the blocking connection. */
  close(): void {
    this.#closed = true;
    this.#waiters.endAll();
    this.#blocker?.client.disconnect();
    this.#blocker = undefined;
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    let failures = 0;
    try {
      while (this.#waiters.size > 0 && !this.#closed) {
        try {
          const blocker = this.#blocker ?? this.#openBlocker();
          const reply = await blocker.call('XREAD', [
            'BLOCK',
            BLOCK_MS,
            'COUNT',
            1,
            'STREAMS',
            this.#log,
            entryId(this.#head),
          ]);
          if (reply !== null && !this.#closed) this.advance(await this.#readHead());
          failures = 0;
        } catch {
          // Redis is down or restarting: the waiters keep waiting (they have their own
          // timeouts), and the loop retries without spinning.
          if (this.#closed) return;
          failures += 1;
          await sleep(Math.min(25 * 2 ** failures, MAX_BACKOFF_MS));
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #openBlocker(): RedisConnection {
    const blocker = this.#client.duplicate();
    this.#blocker = blocker;
    return blocker;
  }
}
