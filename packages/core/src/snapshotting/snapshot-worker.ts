import type { StreamId } from '../event-store/types.js';
import type { Logger } from '../observability/logger.js';
import type { NewSnapshot, SnapshotStore } from '../snapshot-store/snapshot-store.js';
import { assertPositiveInteger } from '../validation/ids.js';

/** Options of the background worker that saves snapshots. */
export interface SnapshotWorkerOptions {
  /** Aggregates with a snapshot waiting, at most; snapshots of others are dropped. Default 1,000. */
  readonly queueSize?: number;
  /** Snapshots saved at once. Default 2. */
  readonly concurrency?: number;
  /** How long closing waits for queued and running saves before giving up on them. Default 5,000 ms. */
  readonly drainTimeoutMs?: number;
}

/** Defaults of {@link SnapshotWorkerOptions}. */
export const defaultSnapshotWorkerOptions = {
  queueSize: 1_000,
  concurrency: 2,
  drainTimeoutMs: 5_000,
} as const;

/** What the snapshot worker has done since it started. */
export interface SnapshotWorkerStatus {
  /** Aggregates with a snapshot waiting. */
  readonly queued: number;
  /** Saves running now. */
  readonly saving: number;
  readonly saved: number;
  /** Saves (or prunes) that failed; loading then replays more events, nothing else is lost. */
  readonly failed: number;
  /** Snapshots not saved because the queue was full or the worker closed. */
  readonly dropped: number;
  /** Waiting snapshots replaced by a later one of the same aggregate before being saved. */
  readonly superseded: number;
  /** Older snapshots removed to keep the last `keep` per aggregate. */
  readonly pruned: number;
}

interface Job {
  readonly snapshot: NewSnapshot;
  readonly keep: number | undefined;
}

/**
 * Saves snapshots off the command path: `offer` only queues and never waits. The queue
 * holds one snapshot per aggregate (a later one replaces a waiting one) and at most
 * `queueSize` aggregates; past that, snapshots are dropped, counted and logged, since a
 * snapshot only saves replaying events and the next one will come. After each save, older
 * snapshots of the aggregate are pruned to `keep`.
 */
export class SnapshotWorker {
  readonly #store: SnapshotStore;
  readonly #logger: Logger;
  readonly #queueSize: number;
  readonly #concurrency: number;
  readonly #drainTimeoutMs: number;
  readonly #queue = new Map<string, Job>();
  readonly #idle = new Set<() => void>();
  #saving = 0;
  #saved = 0;
  #failed = 0;
  #dropped = 0;
  #superseded = 0;
  #pruned = 0;
  /** Set from the first drop until the queue is half empty again: one warning per episode. */
  #dropping = false;
  #closed = false;

  constructor(store: SnapshotStore, logger: Logger, options: SnapshotWorkerOptions = {}) {
    const resolved = { ...defaultSnapshotWorkerOptions, ...options };
    assertPositiveInteger('snapshots.queueSize', resolved.queueSize);
    assertPositiveInteger('snapshots.concurrency', resolved.concurrency);
    assertPositiveInteger('snapshots.drainTimeoutMs', resolved.drainTimeoutMs);
    this.#store = store;
    this.#logger = logger;
    this.#queueSize = resolved.queueSize;
    this.#concurrency = resolved.concurrency;
    this.#drainTimeoutMs = resolved.drainTimeoutMs;
  }

  /** Queues a snapshot to save, then prune to `keep`; false when it was dropped. Never waits. */
  offer(snapshot: NewSnapshot, keep?: number): boolean {
    const key = `${snapshot.domain}\u0000${snapshot.aggregateId}`;
    const waiting = this.#queue.get(key);
    if (this.#closed || (!waiting && this.#queue.size >= this.#queueSize)) {
      this.#drop(snapshot);
      return false;
    }
    if (waiting) {
      this.#superseded += 1;
      // A later snapshot of the aggregate waits already: this one is the superseded one.
      if (waiting.snapshot.version > snapshot.version) return true;
    }
    this.#queue.set(key, { snapshot, keep });
    // After the caller's synchronous work: the command never runs store code of a snapshot.
    queueMicrotask(() => this.#pump());
    return true;
  }

  status(): SnapshotWorkerStatus {
    return {
      queued: this.#queue.size,
      saving: this.#saving,
      saved: this.#saved,
      failed: this.#failed,
      dropped: this.#dropped,
      superseded: this.#superseded,
      pruned: this.#pruned,
    };
  }

  /**
   * Stops taking snapshots and waits until those queued and running are saved, at most
   * `drainTimeoutMs`; then drops what is still queued. True when everything was saved.
   */
  async close(timeoutMs = this.#drainTimeoutMs): Promise<boolean> {
    this.#closed = true;
    const drained = await this.#drained(timeoutMs);
    for (const { snapshot } of this.#queue.values()) this.#drop(snapshot);
    this.#queue.clear();
    return drained;
  }

  /** Resolves when nothing is queued or running (true), or after `timeoutMs` (false). */
  #drained(timeoutMs: number): Promise<boolean> {
    if (this.#isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.#idle.delete(onIdle);
        resolve(drained);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#idle.add(onIdle);
    });
  }

  #isIdle(): boolean {
    return this.#queue.size === 0 && this.#saving === 0;
  }

  #pump(): void {
    while (this.#saving < this.#concurrency) {
      const next = this.#queue.entries().next();
      if (next.done) break;
      const [key, job] = next.value;
      this.#queue.delete(key);
      this.#saving += 1;
      void this.#save(job).finally(() => {
        this.#saving -= 1;
        this.#pump();
      });
    }
    if (this.#dropping && this.#queue.size <= this.#queueSize / 2) this.#dropping = false;
    if (this.#isIdle()) for (const onIdle of [...this.#idle]) onIdle();
  }

  async #save({ snapshot, keep }: Job): Promise<void> {
    const stream: StreamId = { domain: snapshot.domain, aggregateId: snapshot.aggregateId };
    try {
      await this.#store.saveSnapshot(snapshot);
      this.#saved += 1;
      if (keep !== undefined) this.#pruned += await this.#store.pruneSnapshots(stream, keep);
    } catch (error) {
      this.#failed += 1;
      this.#logger.warn(
        { err: error, ...stream, version: snapshot.version },
        'saving a snapshot failed; loading replays more events',
      );
    }
  }

  #drop(snapshot: NewSnapshot): void {
    this.#dropped += 1;
    if (this.#dropping || this.#closed) return;
    this.#dropping = true;
    this.#logger.warn(
      {
        domain: snapshot.domain,
        aggregateId: snapshot.aggregateId,
        version: snapshot.version,
        queueSize: this.#queueSize,
        dropped: this.#dropped,
      },
      'snapshot queue full: dropping snapshots until it drains; loading replays more events',
    );
  }
}
