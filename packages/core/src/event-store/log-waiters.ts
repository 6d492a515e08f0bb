import type { WaitOptions } from './event-store.js';
import type { Position } from './types.js';

interface Waiter {
  readonly after: Position;
  readonly finish: (found: boolean) => void;
}

/**
 * The callers of `EventStore.waitForEvents` waiting on one store: each until the head
 * passes its position (`true`), or its timeout, its abort signal or the store's close
 * (`false`). Adapters keep one and feed it the heads they learn of.
 */
export class LogWaiters {
  readonly #waiters = new Set<Waiter>();

  /** How many callers wait. */
  get size(): number {
    return this.#waiters.size;
  }

  /** Waits for the head to pass `after`; `onLeave` runs when this caller stops waiting. */
  add(after: Position, options: WaitOptions = {}, onLeave?: () => void): Promise<boolean> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timeout: NodeJS.Timeout | undefined;
      const onAbort = (): void => finish(false);
      const finish = (found: boolean): void => {
        if (!this.#waiters.delete(waiter)) return;
        if (timeout) clearTimeout(timeout);
        signal?.removeEventListener('abort', onAbort);
        resolve(found);
        onLeave?.();
      };
      const waiter: Waiter = { after, finish };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) timeout = setTimeout(() => finish(false), timeoutMs);
    });
  }

  /** Wakes, with `true`, every caller waiting for a position below `head`. */
  wake(head: Position): void {
    for (const waiter of [...this.#waiters]) {
      if (head > waiter.after) waiter.finish(true);
    }
  }

  /** Ends every wait with `false`: the store closes. */
  endAll(): void {
    for (const waiter of [...this.#waiters]) waiter.finish(false);
  }
}
