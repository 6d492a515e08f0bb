import type { DeadLetterStore, ParkReason } from '../dead-letter-store/dead-letter-store.js';
import { EventedError, isEventedError } from '../errors/evented-error.js';
import type { RecordedEvent } from '../event-store/types.js';
import type { Logger } from '../observability/logger.js';
import type { Delivery } from './delivery.js';

const aggregateKey = (domain: string, aggregateId: string): string =>
  `${domain}\u0000${aggregateId}`;

/**
 * One processor's parked events (`onPoison: 'park'`): the aggregates that have some, whose
 * later events are parked behind them so that order per aggregate holds, and the retry and
 * skip of an aggregate's parked events. The processor calls it from its run loop only, so
 * parking, retrying and handling pages never interleave.
 */
export class ParkedEvents {
  readonly #processor: string;
  readonly #store: DeadLetterStore | undefined;
  readonly #logger: Logger;
  /** Aggregates with parked events, by {@link aggregateKey}. */
  readonly #aggregates = new Set<string>();

  constructor(processor: string, store: DeadLetterStore | undefined, logger: Logger) {
    this.#processor = processor;
    this.#store = store;
    this.#logger = logger;
  }

  get isEmpty(): boolean {
    return this.#aggregates.size === 0;
  }

  /** Reads which aggregates have parked events, as a run starts. */
  async load(): Promise<void> {
    this.#aggregates.clear();
    for (const { domain, aggregateId } of await this.#deadLetters().parkedAggregates(
      this.#processor,
    )) {
      this.#aggregates.add(aggregateKey(domain, aggregateId));
    }
  }

  /** Whether an earlier event of the event's aggregate is parked. */
  holds(event: RecordedEvent): boolean {
    return this.#aggregates.has(aggregateKey(event.domain, event.aggregateId));
  }

  /** Parks the events; `error` and `attempts` say why, for `failed`. */
  async park(
    events: readonly RecordedEvent[],
    reason: ParkReason,
    error?: unknown,
    attempts = 0,
  ): Promise<void> {
    const message =
      error === undefined ? '' : error instanceof Error ? error.message : String(error);
    await this.#deadLetters().park(
      events.map((event) => ({
        processor: this.#processor,
        event,
        reason,
        message,
        code: isEventedError(error) ? error.code : undefined,
        attempts,
      })),
    );
    for (const event of events) {
      this.#aggregates.add(aggregateKey(event.domain, event.aggregateId));
      this.#logger.warn(
        {
          err: error,
          processor: this.#processor,
          eventId: event.id,
          position: event.position,
          reason,
          attempts,
        },
        'processor parked an event',
      );
    }
  }

  /**
   * Hands the aggregate's parked events to `delivery` again, in order; each one that
   * succeeds leaves the store. When none is left, the aggregate's later events flow again.
   * Resolves with how many were handled; fails with the first that fails again.
   */
  async retry(delivery: Delivery, domain: string, aggregateId: string): Promise<number> {
    const store = this.#deadLetters();
    const processor = this.#processor;
    const letters = await store.list(processor, { domain, aggregateId, limit: 10_000 });
    let handled = 0;
    for (const letter of letters) {
      await delivery.redeliver(letter.event, {
        after: async () => {
          await store.remove(processor, [letter.event.id]);
        },
        within: async (work) => {
          if (!store.removeWith) {
            throw new EventedError(
              'CONFIGURATION',
              `retrying parked events of ${processor} needs dead letters kept in the read model's database`,
              { processor },
            );
          }
          await store.removeWith(processor, letter.event.id, work);
        },
      });
      handled += 1;
    }
    if ((await store.list(processor, { domain, aggregateId, limit: 1 })).length === 0) {
      this.#aggregates.delete(aggregateKey(domain, aggregateId));
    }
    return handled;
  }

  /** Drops the aggregate's parked events unhandled; its later events flow again. */
  async skip(domain: string, aggregateId: string): Promise<number> {
    const store = this.#deadLetters();
    let removed = 0;
    for (;;) {
      const letters = await store.list(this.#processor, { domain, aggregateId, limit: 10_000 });
      if (letters.length === 0) break;
      removed += await store.remove(
        this.#processor,
        letters.map((letter) => letter.event.id),
      );
    }
    this.#aggregates.delete(aggregateKey(domain, aggregateId));
    return removed;
  }

  #deadLetters(): DeadLetterStore {
    if (!this.#store) {
      throw new EventedError('CONFIGURATION', 'the store keeps no dead letters', {
        processor: this.#processor,
      });
    }
    return this.#store;
  }
}
