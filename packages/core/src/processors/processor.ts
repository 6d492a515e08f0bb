import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { CheckpointStore } from '../checkpoint-store/checkpoint-store.js';
import type { Fence } from '../claim-store/claim-store.js';
import type { DeadLetterStore } from '../dead-letter-store/dead-letter-store.js';
import { EventedError, isEventedError } from '../errors/evented-error.js';
import type { EventFilter, EventStore, ReadAllPage } from '../event-store/event-store.js';
import type { Position, RecordedEvent } from '../event-store/types.js';
import { START } from '../event-store/types.js';
import type { Logger } from '../observability/logger.js';
import type { CheckpointTarget, Delivery } from './delivery.js';
import { ParkedEvents } from './parked-events.js';
import { PositionWaiters } from './position-waiters.js';
import { RateMeter } from './rate-meter.js';
import { loadReplayTarget } from './reset-records.js';
import type { ProcessorFailure, ProcessorState, ProcessorStatus } from './processor-status.js';
import type { Segment } from './segments.js';
import { inSegment, segmentCheckpointName } from './segments.js';

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
  /**
   * What to do with an event that failed `maxAttempts` times: `'stop'` (default) stops the
   * processor at it; `'park'` puts it in the dead-letter store and goes on, parking the
   * later events of the same aggregate too, so that order per aggregate holds.
   */
  readonly onPoison?: 'stop' | 'park';
  /** Segments the work splits into, by aggregate; default 1. Changing it replays from the start. */
  readonly segments?: number;
  /** How long a node's claim on a segment lasts without renewal; default 10 s. */
  readonly leaseMs?: number;
}

/** Defaults of {@link ProcessorOptions}. */
export const defaultProcessorOptions = {
  batchSize: 500,
  maxAttempts: 5,
  retryBackoffMs: 100,
  maxRetryBackoffMs: 5_000,
  skipCheckpointIntervalMs: 1_000,
  onPoison: 'stop',
  segments: 1,
  leaseMs: 10_000,
} as const satisfies Required<ProcessorOptions>;

/** What a processor works with. */
export interface ProcessorDependencies {
  readonly eventStore: EventStore;
  readonly checkpointStore: CheckpointStore;
  /** Where `onPoison: 'park'` parks events; that policy needs it. */
  readonly deadLetterStore?: DeadLetterStore | undefined;
  readonly logger: Logger;
}

/** The definition of one processor: who it is, what it reads, how it delivers. */
export interface ProcessorDefinition {
  readonly name: string;
  readonly kind: 'projector' | 'saga';
  readonly filter: EventFilter | undefined;
  readonly delivery: Delivery;
  /** The part of the work this processor does; all of it when absent. */
  readonly segment?: Segment;
  /** The claim on the segment its checkpoint writes carry, when several nodes share the work. */
  readonly fence?: Fence;
  /** Told how many events each commit handled, e.g. to count for a whole group. */
  readonly onHandled?: (count: number) => void;
}

/** A request the run loop carries out between pages: retry or skip an aggregate's parked events. */
interface Maintenance {
  run(): Promise<void>;
  fail(error: unknown): void;
}

/** How many events (by page size) a catch-up reads between two turns of the event loop. */
const YIELD_EVERY = 2_000;

/**
 * Not the event's fault: another node took the segment (`FENCED`), or the store or the
 * handler's service is out for now (`UNAVAILABLE`). Never counted against the event: the run
 * ends, or waits and goes on from the checkpoint.
 */
const isOutage = (error: unknown): boolean =>
  isEventedError(error, 'FENCED') || isEventedError(error, 'UNAVAILABLE');

/**
 * The running consumer behind a projector or saga, or behind one segment of one: it
 * catches up from its checkpoint page by page, then waits for new events without polling.
 * A failing event is retried with backoff; after `maxAttempts` the processor stops at it
 * in the `error` state, its checkpoint before the event, and skips nothing — or, with
 * `onPoison: 'park'`, parks it and the later events of its aggregate and goes on. A
 * checkpoint write refused as `FENCED` (another node took the segment over) ends the run.
 */
export class Processor {
  readonly #definition: ProcessorDefinition;
  readonly #deps: ProcessorDependencies;
  readonly #options: Required<ProcessorOptions>;
  readonly #waiters = new PositionWaiters();
  readonly #target: CheckpointTarget;
  readonly #parked: ParkedEvents;
  readonly #maintenance: Maintenance[] = [];
  #wake = new AbortController();
  #state: ProcessorState = 'stopped';
  #checkpoint: Position | undefined;
  #failure: ProcessorFailure | undefined;
  #fenced = false;
  #abort = new AbortController();
  #running: Promise<void> | undefined;
  /** The in-memory checkpoint moved past skipped events and is not saved yet. */
  #unsaved = false;
  #savedAt = 0;
  readonly #meter = new RateMeter();
  /** Events up to here are replayed after a reset; loaded at start. */
  #replayUntil: Position | undefined;
  /** Page sizes read since the run last gave the event loop a turn. */
  #unyielded = 0;

  constructor(
    definition: ProcessorDefinition,
    deps: ProcessorDependencies,
    options: ProcessorOptions = {},
  ) {
    this.#definition = definition;
    this.#deps = deps;
    this.#options = { ...defaultProcessorOptions, ...options };
    this.#target = {
      checkpoint: definition.segment
        ? segmentCheckpointName(definition.name, definition.segment)
        : definition.name,
      fence: definition.fence,
    };
    this.#parked = new ParkedEvents(definition.name, deps.deadLetterStore, deps.logger);
    if (this.#options.onPoison === 'park' && !deps.deadLetterStore) {
      throw new EventedError(
        'CONFIGURATION',
        `processor ${definition.name} parks poison events, but the store has no dead-letter store`,
        { processor: definition.name },
      );
    }
  }

  get name(): string {
    return this.#definition.name;
  }

  /** The key of this processor's checkpoint: its name, or its segment's. */
  get checkpointName(): string {
    return this.#target.checkpoint;
  }

  /** True once a checkpoint write was refused because another node took the segment over. */
  get fenced(): boolean {
    return this.#fenced;
  }

  /** The head of the log when the last reset began, once loaded; see `ProjectionContext.replaying`. */
  get replayUntil(): Position | undefined {
    return this.#replayUntil;
  }

  status(): ProcessorStatus {
    return {
      name: this.#definition.name,
      kind: this.#definition.kind,
      state: this.#state,
      checkpoint: this.#checkpoint,
      failure: this.#failure,
      eventsHandled: this.#meter.total,
      eventsPerSecond: this.#meter.rate(),
    };
  }

  /** Starts the processor, or restarts it after an error; a running one is left alone. */
  start(): void {
    if (this.#fenced) return;
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
    const stopped = new EventedError('CLOSED', `processor ${this.name} stopped`, {
      processor: this.name,
    });
    this.#waiters.rejectAll(stopped);
    for (const request of this.#maintenance.splice(0)) request.fail(stopped);
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

  /**
   * Handles the aggregate's parked events again, in order, between two pages of the run;
   * each one that succeeds leaves the dead-letter store. When all did, the aggregate's
   * later events flow again. Resolves with how many were handled; fails with the first
   * event's error, the rest staying parked.
   */
  retryParked(domain: string, aggregateId: string): Promise<number> {
    return this.#enqueue(() => this.#parked.retry(this.#definition.delivery, domain, aggregateId));
  }

  /** Drops the aggregate's parked events unhandled, so that its later events flow again. */
  skipParked(domain: string, aggregateId: string): Promise<number> {
    return this.#enqueue(() => this.#parked.skip(domain, aggregateId));
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.#state === 'stopped' || this.#fenced) {
      return Promise.reject(
        new EventedError('CLOSED', `processor ${this.name} is not running here`, {
          processor: this.name,
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.#maintenance.push({
        run: () => work().then(resolve),
        fail: reject,
      });
      this.#wake.abort();
    });
  }

  async #run(signal: AbortSignal): Promise<void> {
    let loaded = false;
    let outages = 0;
    while (!signal.aborted) {
      try {
        if (!loaded) {
          this.#checkpoint =
            (await this.#deps.checkpointStore.loadCheckpoint(this.#target.checkpoint)) ?? START;
          this.#replayUntil = await loadReplayTarget(
            this.#deps.checkpointStore,
            this.#definition.name,
          );
          if (this.#options.onPoison === 'park') await this.#parked.load();
          loaded = true;
          // Whoever waited while the checkpoint loaded may be there already.
          this.#waiters.resolveUpTo(this.#checkpoint);
        }
        await this.#runMaintenance();
        if (!(await this.#step(signal))) return;
        outages = 0;
      } catch (error) {
        if (signal.aborted && isEventedError(error, 'CLOSED')) return;
        if (isEventedError(error, 'FENCED')) {
          // Another node owns the segment now; what this one did since is rolled back.
          this.#fenced = true;
          this.#state = 'stopped';
          this.#deps.logger.warn(
            { err: error, processor: this.name, checkpoint: this.#target.checkpoint },
            'processor lost its segment to another node',
          );
          return;
        }
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
          'store or service unavailable; processor retries from its checkpoint',
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

  async #runMaintenance(): Promise<void> {
    for (let request = this.#maintenance.shift(); request; request = this.#maintenance.shift()) {
      try {
        await request.run();
      } catch (error) {
        if (isEventedError(error, 'FENCED') || isEventedError(error, 'UNAVAILABLE')) {
          request.fail(error);
          throw error;
        }
        request.fail(error);
      }
    }
  }

  /** Reads and commits one page, then waits if it was the last. False when stopped at an event. */
  async #step(signal: AbortSignal): Promise<boolean> {
    const page = this.#replayPart(
      await this.#deps.eventStore.readAll({
        after: this.#checkpoint!,
        limit: this.#options.batchSize,
        ...(this.#definition.filter && { filter: this.#definition.filter }),
      }),
    );
    this.#state = page.isEnd ? 'live' : 'catching-up';
    if (page.position > this.#checkpoint! && !(await this.#commitPage(page, signal))) return false;
    if (page.isEnd && !signal.aborted && this.#maintenance.length === 0) {
      this.#wake = new AbortController();
      // Skipped events not saved yet are saved when the interval is up, even if no event comes:
      // others (a waitFor on another node, a restart) read the stored checkpoint.
      const untilSave = this.#options.skipCheckpointIntervalMs - (Date.now() - this.#savedAt);
      const woken = await this.#deps.eventStore.waitForEvents(this.#checkpoint!, {
        signal: AbortSignal.any([signal, this.#wake.signal]),
        ...(this.#unsaved && { timeoutMs: Math.max(1, untilSave) }),
      });
      if (!woken && this.#unsaved && !signal.aborted) await this.#saveSkipped();
    } else if (!page.isEnd && (this.#unyielded += this.#options.batchSize) >= YIELD_EVERY) {
      // A synchronous store (SQLite) resolves every await at once: without a turn of the
      // event loop now and then, a catch-up would starve the server's calls until its end.
      this.#unyielded = 0;
      await yieldToLoop();
    }
    return true;
  }

  /** Commits a page; on failure retries it event by event. False when stopped at an event. */
  async #commitPage(page: ReadAllPage, signal: AbortSignal): Promise<boolean> {
    const segment = this.#definition.segment;
    let events = segment ? page.events.filter((event) => inSegment(event, segment)) : page.events;
    if (!this.#parked.isEmpty) {
      const behind = events.filter((event) => this.#parked.holds(event));
      if (behind.length > 0) {
        await this.#parked.park(behind, 'behind-parked');
        events = events.filter((event) => !this.#parked.holds(event));
      }
    }
    if (events.length === 0) {
      // Only skipped events: move on now, write the checkpoint now and then, not per wake-up.
      this.#advance(page.position, false);
      if (Date.now() - this.#savedAt >= this.#options.skipCheckpointIntervalMs)
        await this.#saveSkipped();
      return true;
    }
    try {
      await this.#commit(events, page.position);
      this.#advance(page.position);
      return true;
    } catch (error) {
      if (isOutage(error)) throw error;
      if (events.length <= 1) {
        // Nothing to narrow down: the first attempt at this event has failed.
        return this.#retryEvent(events[0], page.position, error, signal);
      }
    }
    for (const event of events) {
      if (this.#parked.holds(event)) {
        await this.#parked.park([event], 'behind-parked');
        continue;
      }
      const ok = await this.#retryEvent(event, event.position, undefined, signal);
      if (!ok) return false;
    }
    if (page.position > this.#checkpoint!) {
      await this.#definition.delivery.commit([], page.position, this.#target);
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
        await this.#commit(event ? [event] : [], position);
        this.#advance(position);
        return true;
      } catch (error) {
        if (isOutage(error)) throw error;
        lastError = error;
      }
    }
    if (event && this.#options.onPoison === 'park') {
      await this.#parked.park([event], 'failed', lastError, attempts);
      await this.#definition.delivery.commit([], position, this.#target);
      this.#advance(position);
      return true;
    }
    this.#stopAt(event, lastError, attempts);
    return false;
  }

  /**
   * A page replaying events ends at the replay's target, so that every page is all replayed
   * events or all live ones.
   */
  #replayPart(page: ReadAllPage): ReadAllPage {
    const until = this.#replayUntil;
    if (until === undefined || this.#checkpoint! >= until || page.position <= until) return page;
    return {
      events: page.events.filter((event) => event.position <= until),
      position: until,
      isEnd: false,
    };
  }

  /** Hands events to the delivery, marked replayed when at or below the replay's target. */
  async #commit(events: readonly RecordedEvent[], position: Position): Promise<void> {
    const replaying = this.#replayUntil !== undefined && position <= this.#replayUntil;
    await this.#definition.delivery.commit(events, position, this.#target, replaying);
    if (events.length > 0) {
      this.#meter.record(events.length);
      this.#definition.onHandled?.(events.length);
    }
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
    await this.#definition.delivery.commit([], this.#checkpoint!, this.#target);
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
