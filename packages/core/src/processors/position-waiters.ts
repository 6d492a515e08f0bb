import { EventedError } from '../errors/evented-error.js';
import type { Position } from '../event-store/types.js';

interface Waiter {
  readonly position: Position;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Callers waiting for a processor's checkpoint to reach a position. */
export class PositionWaiters {
  readonly #waiters = new Set<Waiter>();

  add(position: Position, timeoutMs: number, processor: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new EventedError(
            'TIMEOUT',
            `processor ${processor} did not reach position ${position} within ${timeoutMs} ms`,
            {
              processor,
              position,
              timeoutMs,
            },
          ),
        );
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        position,
        resolve: () => (settle(), resolve()),
        reject: (error) => (settle(), reject(error)),
      };
      this.#waiters.add(waiter);
    });
  }

  resolveUpTo(position: Position): void {
    for (const waiter of [...this.#waiters]) {
      if (waiter.position <= position) waiter.resolve();
    }
  }

  rejectAll(error: Error): void {
    for (const waiter of [...this.#waiters]) waiter.reject(error);
  }
}
