import type { Database, Statement } from 'better-sqlite3';
import type { WaitOptions } from '@evented/core';

interface Waiter {
  readonly hasNews: () => boolean;
  readonly resolve: (found: boolean) => void;
}

/**
 * Wakes readers waiting for new events. Appends through this connection wake them at
 * once; appends by other connections (other processes on the same file) are noticed by
 * polling `PRAGMA data_version`, a read of shared memory, only while someone waits.
 */
export class ChangeNotifier {
  readonly #waiters = new Set<Waiter>();
  readonly #dataVersion: Statement | undefined;
  readonly #pollIntervalMs: number;
  #lastDataVersion = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Database, pollIntervalMs: number) {
    this.#pollIntervalMs = pollIntervalMs;
    if (!db.memory) this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** Resolves when `hasNews()` turns true (checked on every change), or `false` on timeout/abort. */
  wait(hasNews: () => boolean, options: WaitOptions = {}): Promise<boolean> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timeout: NodeJS.Timeout | undefined;
      const finish = (found: boolean): void => {
        this.#waiters.delete(waiter);
        if (timeout) clearTimeout(timeout);
        signal?.removeEventListener('abort', onAbort);
        if (this.#waiters.size === 0) this.#stopPolling();
        resolve(found);
      };
      const onAbort = (): void => finish(false);
      const waiter: Waiter = { hasNews, resolve: finish };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) timeout = setTimeout(() => finish(false), timeoutMs);
      this.#startPolling();
    });
  }

  /** Called after this connection committed new events. */
  notify(): void {
    for (const waiter of [...this.#waiters]) {
      if (waiter.hasNews()) waiter.resolve(true);
    }
  }

  /** Resolves every waiter with `false`; used on close. */
  close(): void {
    for (const waiter of [...this.#waiters]) waiter.resolve(false);
    this.#stopPolling();
  }

  #startPolling(): void {
    if (this.#timer || !this.#dataVersion) return;
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
