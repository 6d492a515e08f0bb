import type { RecordedEvent } from '../event-store/types.js';
import type { Logger } from '../observability/logger.js';
import { consoleLogger } from '../observability/logger.js';
import type { EventBus, EventListener } from './event-bus.js';

/**
 * The bus of one process: `publish` calls every listener in turn and does not wait for
 * their promises, so a slow listener never holds up a command. A listener that fails is
 * logged and affects neither the others nor the publisher.
 */
export class InProcessEventBus implements EventBus {
  readonly #listeners = new Set<EventListener>();
  readonly #logger: Logger;

  constructor(logger: Logger = consoleLogger) {
    this.#logger = logger;
  }

  async publish(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const listener of [...this.#listeners]) {
      try {
        const pending = listener(events);
        if (pending) pending.catch((error: unknown) => this.#failed(error));
      } catch (error) {
        this.#failed(error);
      }
    }
  }

  #failed(error: unknown): void {
    this.#logger.error({ err: error }, 'an event bus listener failed');
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
