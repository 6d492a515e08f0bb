import type { Position, WaitOptions } from '@evented/core';
import { LogWaiters } from '@evented/core/internal';
import type { PostgresNotification, PostgresPool, PostgresPoolClient } from './connection.js';
import { run, statement } from './connection.js';

/** The first re-check after a notification that showed nothing new; it doubles up to the poll interval. */
const FIRST_RECHECK_MS = 5;
/** How soon a lost listening connection is reopened while someone waits. */
const RELISTEN_MS = 200;

const ANNOUNCE = statement(
  `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')`,
);

/**
 * Wakes readers waiting for new events, by LISTEN/NOTIFY, across processes. One connection
 * per storage listens, from the first wait until close: of its own when the storage opened
 * its pool from a connection string, else checked out of the application's pool.
 *
 * Appends announce themselves after they commit, not inside their transaction: PostgreSQL
 * serialises the commits of all notifying transactions in the cluster under one lock, held
 * through the commit's flush to disk, which caps concurrent appends at about one commit per
 * disk flush (measured here: 3,800/s notifying in the transaction, 11,000/s without, 16
 * writers). A storage sends at most one notification at a time, covering every append
 * that committed before it was sent, in a transaction of its own that does not wait for
 * the disk. A process that dies between its commit and the notification leaves readers
 * elsewhere to find the events at their next poll.
 *
 * A notification is a hint, not the news itself: the committed events become visible only
 * when every older transaction has ended (see `VISIBLE`), and the transaction that ends
 * last may notify nothing (a rollback, a write to another table, another database).
 * So after a notification that showed nothing new the head is re-checked soon and then
 * less often (5 ms doubling to `pollIntervalMs`), and while anyone waits it is checked
 * every `pollIntervalMs` anyway, which also covers notifications missed while the
 * listening connection was being (re)opened.
 */
export class ChangeNotifier {
  readonly #pool: PostgresPool;
  readonly #openListener: () => Promise<PostgresPoolClient>;
  readonly #channel: string;
  readonly #readHead: () => Promise<Position>;
  readonly #pollIntervalMs: number;
  readonly #waiters = new LogWaiters();
  #listener: PostgresPoolClient | undefined;
  #listening: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #checkAgain = false;
  #recheckMs = 0;
  #announcing = false;
  #announceAgain = false;
  #closed = false;

  /**
   * `openListener` opens the listening connection: one checked out of `pool`, or one of its
   * own (so that it does not take one of the pool's).
   */
  constructor(
    pool: PostgresPool,
    openListener: () => Promise<PostgresPoolClient>,
    channel: string,
    readHead: () => Promise<Position>,
    pollIntervalMs: number,
  ) {
    this.#pool = pool;
    this.#openListener = openListener;
    this.#channel = channel;
    this.#readHead = readHead;
    this.#pollIntervalMs = pollIntervalMs;
  }

  /**
   * Starts listening if this storage does not yet. Call before checking the head, so that
   * no commit falls between the check and the wait. Never fails: without a listening
   * connection the waiters are polled.
   */
  listen(): Promise<void> {
    this.#listening ??= this.#connect().catch(() => {
      this.#listening = undefined;
    });
    return this.#listening;
  }

  /**
   * Resolves `true` once the head passes `after`, `false` on timeout, abort or close. With
   * `soon`, events are known to be on their way (this storage appended them, and their
   * notification may have come already): the head is re-checked at once and then often.
   */
  wait(after: Position, options: WaitOptions = {}, soon = false): Promise<boolean> {
    if (options.signal?.aborted || this.#closed) return Promise.resolve(false);
    const waiting = this.#waiters.add(after, options, () => {
      if (this.#waiters.size === 0) this.#unschedule();
    });
    if (soon) {
      this.#recheckMs = FIRST_RECHECK_MS;
      this.#schedule(FIRST_RECHECK_MS, true);
    } else {
      this.#schedule(this.#pollIntervalMs);
    }
    return waiting;
  }

  /**
   * Notifies the channel that events were committed. Coalesced: while one notification is
   * on its way, further calls send one more after it. Best effort: a failure is ignored,
   * the waiters' poll covers it.
   */
  announce(): void {
    if (this.#closed) return;
    if (this.#announcing) {
      this.#announceAgain = true;
      return;
    }
    this.#announcing = true;
    // One statement: an implicit transaction of its own, which need not wait for the disk.
    run(this.#pool, ANNOUNCE, [this.#channel])
      .catch(() => undefined)
      .finally(() => {
        this.#announcing = false;
        if (this.#announceAgain) {
          this.#announceAgain = false;
          this.announce();
        }
      });
  }

  /** Resolves every waiter with `false` and stops listening; used on close. */
  close(): void {
    this.#closed = true;
    this.#waiters.endAll();
    this.#unschedule();
    this.#dropListener();
  }

  async #connect(): Promise<void> {
    const client = await this.#openListener();
    if (this.#closed) {
      client.release(true);
      return;
    }
    const lost = (): void => {
      if (this.#listener !== client) return;
      this.#dropListener(true);
      // Listen again soon (the check does) and look at the head, since notifications
      // may have been missed meanwhile.
      this.#listening = undefined;
      if (this.#waiters.size > 0) this.#schedule(Math.min(RELISTEN_MS, this.#pollIntervalMs), true);
    };
    client.on('notification', (message: PostgresNotification) => {
      if (message.channel === this.#channel) this.#onNotification();
    });
    client.on('error', lost);
    client.on('end', lost);
    this.#listener = client;
    try {
      await client.query(`LISTEN "${this.#channel}"`);
    } catch (error) {
      lost();
      throw error;
    }
    if (this.#closed) this.#dropListener();
  }

  #dropListener(broken = false): void {
    const client = this.#listener;
    this.#listener = undefined;
    // The connection is destroyed, not returned: it is still subscribed to the channel.
    if (client) client.release(broken ? new Error('the listening connection broke') : true);
  }

  #onNotification(): void {
    if (this.#waiters.size === 0) return;
    this.#recheckMs = FIRST_RECHECK_MS;
    void this.#check();
  }

  async #check(): Promise<void> {
    if (this.#checking) {
      this.#checkAgain = true;
      return;
    }
    this.#checking = true;
    try {
      if (this.#waiters.size === 0 || this.#closed) return;
      // Listening before reading the head: a commit in between still notifies.
      if (!this.#listener) await this.listen();
      const head = await this.#readHead();
      this.#waiters.wake(head);
    } catch {
      // The database is unreachable for now: waiters keep waiting, the poll tries again.
    } finally {
      this.#checking = false;
    }
    if (this.#checkAgain) {
      this.#checkAgain = false;
      return this.#check();
    }
    if (this.#waiters.size === 0) return;
    if (!this.#listener) {
      this.#schedule(Math.min(RELISTEN_MS, this.#pollIntervalMs), true);
    } else if (this.#recheckMs > 0 && this.#recheckMs < this.#pollIntervalMs) {
      this.#schedule(this.#recheckMs, true);
      this.#recheckMs *= 2;
    } else {
      this.#recheckMs = 0;
      this.#schedule(this.#pollIntervalMs, true);
    }
  }

  #schedule(delayMs: number, replace = false): void {
    if (this.#timer && !replace) return;
    this.#unschedule();
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#check();
    }, delayMs);
    this.#timer.unref();
  }

  #unschedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
