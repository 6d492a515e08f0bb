import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckpointStore } from '../checkpoint-store/checkpoint-store.js';
import { EventedError, isEventedError } from '../errors/evented-error.js';
import type { EventFilter, EventStore, ReadAllPage } from '../event-store/event-store.js';
import type { Position, RecordedEvent } from '../event-store/types.js';
import { START } from '../event-store/types.js';
import type { Logger } from '../observability/logger.js';
import type { Delivery } from './delivery.js';
import { PositionWaiters } from './position-waiters.js';
import type { ProcessorFailure, ProcessorState, ProcessorStatus } from './processor-status.js';

/** How processors read, retry and back off. */
export interface ProcessorOptions {
  /** Events read and committed per page; default 500. */
  readonly batchSize?: number;
  /** Tries of one event before the processor stops at it; default 5. */
  readonly maxAttempts?: number;
  /** Delay before the first retry, doubled each time; default 100 ms. */
  readonly retryBackoffMs?: number;
  /** Upper bound of the retry delay; default 5 s. */
  readonly maxRetryBackoffMs?: number;
  /**
   * How often the checkpoint is saved when the processor only moved past events its filter
   * skips; default 1 s. Nothing was handled, so a crash merely rereads those pages.
   */
  readonly skipCheckpointIntervalMs?: number;
}

/** Defaults of {@link ProcessorOptions}. */
export const defaultProcessorOptions = {
  batchSize: 500,
  maxAttempts: 5,
  retryBackoffMs: 100,
  maxRetryBackoffMs: 5_000,
  skipCheckpointIntervalMs: 1_000,
} as const satisfies Required<ProcessorOptions>;

/** What a processor works with. */
export interface ProcessorDependencies {
  readonly eventStore: EventStore;
  readonly checkpointStore: CheckpointStore;
  readonly logger: Logger;
}

/** The definition of one processor: who it is, what it reads, how it delivers. */
export interface ProcessorDefinition {
  readonly name: string;
  readonly kind: 'projector' | 'saga';
  readonly filter: EventFilter | undefined;
  readonly delivery: Delivery;
}

/**
 * The running consumer behind a projector or saga: it catches up from its checkpoint
 * page by page, then waits for new events without polling. A failing event is retried
 * with backoff; after `maxAttempts` the processor stops at it in the `error` state, its
 * checkpoint before the event, and skips nothing.
 */
export class Processor {
  readonly #definition: ProcessorDefinition;
  readonly #deps: ProcessorDependencies;
  readonly #options: Required<ProcessorOptions>;
  readonly #waiters = new PositionWaiters();
  #state: ProcessorState = 'stopped';
  #checkpoint: Position | undefined;
  #failure: ProcessorFailure | undefined;
  #abort = new AbortController();
  #running: Promise<void> | undefined;
  /** The in-memory checkpoint moved past skipped events and is not saved yet. */
  #unsaved = false;
  #savedAt = 0;

  constructor(
    definition: ProcessorDefinition,
    deps: ProcessorDependencies,
    options: ProcessorOptions = {},
  ) {
    this.#definition = definition;
    this.#deps = deps;
    this.#options = { ...defaultProcessorOptions, ...options };
  }

  get name(): string {
    return this.#definition.name;
  }

  status(): ProcessorStatus {
    return {
      name: this.#definition.name,
      kind: this.#definition.kind,
      state: this.#state,
      checkpoint: this.#checkpoint,
      failure: this.#failure,
    };
  }

  /** Starts the processor, or restarts it after an error; a running one is left alone. */
  start(): void {
    if (this.#running && this.#state !== 'error') return;
    // A run that stopped at an event may still be unwinding: the new one starts after it.
    const previous = this.#running ?? Promise.resolve();
    this.#abort = new AbortController();
    this.#failure = undefined;
    this.#state = 'starting';
    const signal = this.#abort.signal;
    const running: Promise<void> = previous
      .then(() => this.#run(signal))
      .finally(() => {
        if (this.#running === running) this.#running = undefined;
      });
    this.#running = running;
  }

  /** Stops after the page in hand; waits for it to commit. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    if (this.#state !== 'error') this.#state = 'stopped';
    this.#waiters.rejectAll(
      new EventedError('CLOSED', `processor ${this.name} stopped`, { processor: this.name }),
    );
  }

  /**
   * Resolves once the processor has handled everything up to `position`; fails with
   * `PROCESSOR_FAILED` if it stops at an earlier event, `TIMEOUT` after `timeoutMs`.
   */
  waitFor(position: Position, timeoutMs: number): Promise<void> {
    if (this.#checkpoint !== undefined && this.#checkpoint >= position) return Promise.resolve();
    if (this.#state === 'error') return Promise.reject(this.#failedError());
    if (this.#state === 'stopped') {
      return Promise.reject(
        new EventedError('CLOSED', `processor ${this.name} is stopped`, { processor: this.name }),
      );
    }
    return this.#waiters.add(position, timeoutMs, this.name);
  }

  async #run(signal: AbortSignal): Promise<void> {
    let loaded = false;
    let outages = 0;
    while (!signal.aborted) {
      try {
        if (!loaded) {
          this.#checkpoint = (await this.#deps.checkpointStore.loadCheckpoint(this.name)) ?? START;
          loaded = true;
        }
        if (!(await this.#step(signal))) return;
        outages = 0;
      } catch (error) {
        if (signal.aborted && isEventedError(error, 'CLOSED')) return;
        if (!isEventedError(error, 'UNAVAILABLE')) {
          this.#deps.logger.error(
            { err: error, processor: this.name },
            'processor stopped by a store failure',
          );
          this.#stopAt(undefined, error, 1);
          return;
        }
        // The store is down for now (a restart, a network cut): wait and carry on from the checkpoint.
        outages += 1;
        const delay = Math.min(
          this.#options.retryBackoffMs * 2 ** (outages - 1),
          this.#options.maxRetryBackoffMs,
        );
        this.#deps.logger.warn(
          { err: error, processor: this.name, outages },
          'store unavailable; processor retries',
        );
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
    await this.#saveSkipped().catch((error: unknown) => {
      this.#deps.logger.warn(
        { err: error, processor: this.name },
        'saving the checkpoint on stop failed',
      );
    });
  }

  /** Reads and commits one page, then waits if it was the last. False when stopped at an event. */
  async #step(signal: AbortSignal): Promise<boolean> {
    const page = await this.#deps.eventStore.readAll({
      after: this.#checkpoint!,
      limit: this.#options.batchSize,
      ...(this.#definition.filter && { filter: this.#definition.filter }),
    });
    this.#state = page.isEnd ? 'live' : 'catching-up';
    if (page.position > this.#checkpoint! && !(await this.#commitPage(page, signal))) return false;
    if (page.isEnd && !signal.aborted) {
      await this.#deps.eventStore.waitForEvents(this.#checkpoint!, { signal });
    }
    return true;
  }

  /** Commits a page; on failure retries it event by event. False when stopped at an event. */
  async #commitPage(page: ReadAllPage, signal: AbortSignal): Promise<boolean> {
    if (page.events.length === 0) {
      // Only skipped events: move on now, write the checkpoint now and then, not per wake-up.
      this.#advance(page.position, false);
      if (Date.now() - this.#savedAt >= this.#options.skipCheckpointIntervalMs)
        await this.#saveSkipped();
      return true;
    }
    try {
      await this.#definition.delivery.commit(page.events, page.position);
      this.#advance(page.position);
      return true;
    } catch (error) {
      if (page.events.length <= 1) {
        // Nothing to narrow down: the first attempt at this event has failed.
        return this.#retryEvent(page.events[0], page.position, error, signal);
      }
    }
    for (const event of page.events) {
      const ok = await this.#retryEvent(event, event.position, undefined, signal);
      if (!ok) return false;
    }
    if (page.position > this.#checkpoint!) {
      await this.#definition.delivery.commit([], page.position);
      this.#advance(page.position);
    }
    return true;
  }

  /**
   * Commits one event (or, with none, only the checkpoint) with retries and backoff.
   * `firstError` counts as a failed first attempt.
   */
  async #retryEvent(
    event: RecordedEvent | undefined,
    position: Position,
    firstError: unknown,
    signal: AbortSignal,
  ): Promise<boolean> {
    let attempts = firstError === undefined ? 0 : 1;
    let lastError = firstError;
    while (attempts < this.#options.maxAttempts) {
      if (attempts > 0) {
        const delay = Math.min(
          this.#options.retryBackoffMs * 2 ** (attempts - 1),
          this.#options.maxRetryBackoffMs,
        );
        this.#deps.logger.warn(
          { err: lastError, processor: this.name, eventId: event?.id, attempts },
          'processor retries an event',
        );
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          return false; // stopped while backing off; the checkpoint is before the event
        }
      }
      attempts += 1;
      try {
        await this.#definition.delivery.commit(event ? [event] : [], position);
        this.#advance(position);
        return true;
      } catch (error) {
        lastError = error;
      }
    }
    this.#stopAt(event, lastError, attempts);
    return false;
  }

  /** Moves the checkpoint in memory; `saved` says whether the store has it too. */
  #advance(position: Position, saved = true): void {
    this.#checkpoint = position;
    this.#unsaved = !saved;
    if (saved) this.#savedAt = Date.now();
    this.#waiters.resolveUpTo(position);
  }

  /** Saves a checkpoint that moved past skipped events only. */
  async #saveSkipped(): Promise<void> {
    if (!this.#unsaved) return;
    await this.#definition.delivery.commit([], this.#checkpoint!);
    this.#advance(this.#checkpoint!);
  }

  #stopAt(event: RecordedEvent | undefined, error: unknown, attempts: number): void {
    this.#state = 'error';
    this.#failure = {
      message: error instanceof Error ? error.message : String(error),
      code: isEventedError(error) ? error.code : undefined,
      eventId: event?.id ?? '',
      eventType: event?.type ?? '',
      position: event?.position ?? this.#checkpoint ?? START,
      domain: event?.domain ?? '',
      aggregateId: event?.aggregateId ?? '',
      attempts,
      at: new Date(),
    };
    this.#deps.logger.error(
      { err: error, processor: this.name, eventId: event?.id, position: event?.position, attempts },
      'processor stopped at an event it could not handle',
    );
    this.#waiters.rejectAll(this.#failedError());
  }

  #failedError(): EventedError {
    const failure = this.#failure;
    return new EventedError(
      'PROCESSOR_FAILED',
      `processor ${this.name} stopped at event ${failure?.eventId} (position ${failure?.position}): ${failure?.message}`,
      { processor: this.name, ...failure },
    );
  }
}
