import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimStore, Fence } from '../claim-store/claim-store.js';
import { EventedError, isEventedError } from '../errors/evented-error.js';
import type { Position } from '../event-store/types.js';
import type { ProcessorDefinition, ProcessorDependencies, ProcessorOptions } from './processor.js';
import { defaultProcessorOptions, Processor } from './processor.js';
import type { ClearReadModel, ResetResult } from './processor-reset.js';
import { claimEverySegment, moveCheckpoints } from './processor-reset.js';
import type {
  ProcessorReport,
  ProcessorState,
  ProcessorStatus,
  SegmentStatus,
} from './processor-status.js';
import { reportProcessor } from './processor-report.js';
import { RateMeter } from './rate-meter.js';
import { ReplayTracker } from './replay-tracker.js';
import type { Segment } from './segments.js';
import { MAX_SEGMENTS, segmentCheckpointName, segmentOf } from './segments.js';

/** What a group of segment processors works with: the processors' stores, and the claims. */
export interface ProcessorGroupDependencies extends ProcessorDependencies {
  /** Claims of segments shared with other nodes; without it this node works every segment. */
  readonly claimStore?: ClaimStore | undefined;
  /** This node's id in claims; default `<host>:<pid>:<random>`. */
  readonly node?: string | undefined;
}

/** A node id unique to this process. */
export function defaultNodeId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** How often checkpoints of segments worked elsewhere are read while waiting for them. */
const REMOTE_POLL_MS = 50;

/**
 * One named processor, its work split into segments by aggregate. Without a claim store,
 * this node runs every segment. With one, nodes share the segments: each holds claims with
 * a lease, renewed at a third of it; the live nodes (by heartbeat) split the segments
 * evenly, a node over its share gives the extra ones up after the page in hand, and a
 * node's segments are taken over when its lease ends. Checkpoint writes carry the claim's
 * fence, so a node that wakes up after losing a segment commits nothing more.
 */
export class ProcessorGroup {
  readonly #definition: ProcessorDefinition;
  readonly #deps: ProcessorGroupDependencies;
  readonly #options: ProcessorOptions;
  readonly #count: number;
  readonly #leaseMs: number;
  readonly #node: string;
  readonly #workers = new Map<number, { processor: Processor; fence: Fence | undefined }>();
  #abort = new AbortController();
  #claiming: Promise<void> | undefined;
  /** Claims being taken: apart from the renewals, which a slow claim must not hold up. */
  #acquiring: Promise<void> | undefined;
  #stopped = true;
  /** Events handled by this node's segments, whichever worker handled them. */
  readonly #meter = new RateMeter();
  #resetting = false;
  /** Counts `stop` calls: a reset that a stop overtook does not start the work again. */
  #stops = 0;
  /** The replay this node follows: its target, and where and when it took it up. */
  readonly #replay = new ReplayTracker(this.#meter);

  constructor(
    definition: Omit<ProcessorDefinition, 'segment' | 'fence'>,
    deps: ProcessorGroupDependencies,
    options: ProcessorOptions = {},
  ) {
    const count = options.segments ?? defaultProcessorOptions.segments;
    const leaseMs = options.leaseMs ?? defaultProcessorOptions.leaseMs;
    if (!Number.isInteger(count) || count < 1 || count > MAX_SEGMENTS) {
      throw new EventedError(
        'CONFIGURATION',
        `processor ${definition.name}: segments must be an integer from 1 to ${MAX_SEGMENTS}, found ${count}`,
        { processor: definition.name, segments: count },
      );
    }
    if (!Number.isInteger(leaseMs) || leaseMs < 100) {
      throw new EventedError(
        'CONFIGURATION',
        `processor ${definition.name}: leaseMs must be an integer of at least 100, found ${leaseMs}`,
        { processor: definition.name, leaseMs },
      );
    }
    this.#definition = definition;
    this.#deps = deps;
    this.#options = options;
    this.#count = count;
    this.#leaseMs = leaseMs;
    this.#node = deps.node ?? defaultNodeId();
  }

  get name(): string {
    return this.#definition.name;
  }

  /** This node's id in claims. */
  get node(): string {
    return this.#node;
  }

  /** Starts working: every segment here, or the claim loop; restarts segments stopped in `error`. */
  start(): void {
    if (!this.#stopped) {
      for (const { processor } of this.#workers.values()) processor.start();
      return;
    }
    if (!this.#resetting) this.#resume(undefined);
  }

  /** Stops the claim loop and every segment after its page in hand, and gives the claims up. */
  async stop(): Promise<void> {
    this.#stops += 1;
    await this.#suspend();
    const claims = this.#deps.claimStore;
    if (claims) {
      await claims.leave(this.name, this.#node).catch((error: unknown) => {
        this.#deps.logger.warn(
          { err: error, processor: this.name, node: this.#node },
          'leaving the processor failed; its claims end with their lease',
        );
      });
    }
  }

  status(): ProcessorStatus {
    const segments: SegmentStatus[] = [...this.#workers.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, { processor }]) => {
        const status = processor.status();
        return {
          segment: index,
          state: status.state,
          checkpoint: status.checkpoint,
          failure: status.failure,
          eventsHandled: status.eventsHandled,
          eventsPerSecond: status.eventsPerSecond,
        };
      });
    const failed = segments.find((segment) => segment.failure);
    const checkpoints = segments.map((segment) => segment.checkpoint);
    const checkpoint = checkpoints.includes(undefined)
      ? undefined
      : checkpoints.reduce<Position | undefined>(
          (low, checkpoint) => (low === undefined || checkpoint! < low ? checkpoint : low),
          undefined,
        );
    const replay = this.#replay.progress(
      checkpoint,
      [...this.#workers.values()].map(({ processor }) => processor.replayUntil),
    );
    const standby = segments.length === 0 && !this.#stopped && this.#deps.claimStore;
    return {
      name: this.name,
      kind: this.#definition.kind,
      state: standby ? 'standby' : groupState(segments.map((segment) => segment.state)),
      checkpoint,
      failure: failed?.failure,
      eventsHandled: this.#meter.total,
      eventsPerSecond: this.#meter.rate(),
      ...(replay && { replay }),
      node: this.#node,
      segmentCount: this.#count,
      segments,
    };
  }

  /**
   * The status with what reading the store adds: the head, the lag counted from the lowest
   * checkpoint, and every segment's owner, checkpoint and lag.
   */
  report(): Promise<ProcessorReport> {
    return reportProcessor(this.status(), {
      eventStore: this.#deps.eventStore,
      checkpointStore: this.#deps.checkpointStore,
      claimStore: this.#deps.claimStore,
      count: this.#count,
    });
  }

  /** Whether every segment, wherever it is worked, has reached the head of the log. */
  async caughtUp(): Promise<boolean> {
    const head = await this.#deps.eventStore.headPosition();
    for (let index = 0; index < this.#count; index++) {
      const local = this.#workers.get(index);
      const checkpoint =
        (local && !local.processor.fenced ? local.processor.status().checkpoint : undefined) ??
        (await this.#deps.checkpointStore.loadCheckpoint(
          segmentCheckpointName(this.name, { index, count: this.#count }),
        ));
      if (checkpoint === undefined || checkpoint < head) return false;
    }
    return true;
  }

  /**
   * Moves every segment's checkpoint to `position`, then works on from there: the events up
   * to the head of the log as it is now are replayed. The segments here stop after their
   * page in hand first. With a claim store this node must hold every segment: it claims
   * them, waiting up to a lease for claims of nodes that died, and fails with
   * `UNAVAILABLE` naming the nodes still working some (stop the processor there first).
   * `clear` clears the read model as part of the reset (a rebuild).
   */
  async reset(position: Position, clear?: ClearReadModel): Promise<ResetResult> {
    if (this.#resetting) {
      throw new EventedError('UNAVAILABLE', `a reset of processor ${this.name} is under way`, {
        processor: this.name,
      });
    }
    this.#resetting = true;
    const running = !this.#stopped;
    const stops = this.#stops;
    let fences: Map<number, Fence> | undefined;
    try {
      await this.#suspend();
      const claims = this.#deps.claimStore;
      fences =
        claims &&
        (await claimEverySegment(claims, {
          processor: this.name,
          count: this.#count,
          node: this.#node,
          leaseMs: this.#leaseMs,
          waitMs: this.#leaseMs + Math.ceil(this.#leaseMs / 3),
        }));
      const replayUntil = await this.#deps.eventStore.headPosition();
      await moveCheckpoints(this.#deps.checkpointStore, {
        processor: this.name,
        count: this.#count,
        position,
        replayUntil,
        fences,
        clear,
      });
      this.#replay.began(replayUntil, position);
      this.#deps.logger.info(
        { processor: this.name, position, replayUntil, rebuild: clear !== undefined },
        'processor reset',
      );
      return { position, replayUntil };
    } finally {
      this.#resetting = false;
      if (running && stops === this.#stops) this.#resume(fences);
      else await this.#releaseAll(fences);
    }
  }

  /** Gives up claims taken for a reset of a processor that is not running here. */
  async #releaseAll(fences: ReadonlyMap<number, Fence> | undefined): Promise<void> {
    const claims = this.#deps.claimStore;
    if (!claims || !fences) return;
    for (const fence of fences.values()) {
      await claims.release(fence).catch((error: unknown) => {
        this.#deps.logger.warn(
          { err: error, processor: this.name, segment: fence.segment },
          'releasing a claim after a reset failed; it ends with its lease',
        );
      });
    }
  }

  /**
   * Resolves once everything up to `position` is handled: in the segment of `aggregate`
   * when given, else in every segment. Segments worked by other nodes are followed through
   * their stored checkpoints.
   */
  async waitFor(
    position: Position,
    timeoutMs: number,
    aggregate?: { readonly domain: string; readonly aggregateId: string },
  ): Promise<void> {
    const indexes = aggregate
      ? [segmentOf(aggregate.domain, aggregate.aggregateId, this.#count)]
      : Array.from({ length: this.#count }, (_, index) => index);
    const deadline = Date.now() + timeoutMs;
    await Promise.all(indexes.map((index) => this.#waitForSegment(index, position, deadline)));
  }

  /** The local processor of the aggregate's segment, for work on its parked events. */
  segmentProcessor(domain: string, aggregateId: string): Processor {
    const index = segmentOf(domain, aggregateId, this.#count);
    const worker = this.#workers.get(index);
    if (!worker) {
      throw new EventedError(
        'UNAVAILABLE',
        `segment ${index} of processor ${this.name} is worked by another node; ask that node`,
        { processor: this.name, segment: index },
      );
    }
    return worker.processor;
  }

  async #waitForSegment(index: number, position: Position, deadline: number): Promise<void> {
    for (;;) {
      const remaining = deadline - Date.now();
      const local = this.#workers.get(index);
      if (local && !local.processor.fenced) {
        return local.processor.waitFor(position, Math.max(1, remaining));
      }
      const name = segmentCheckpointName(this.name, { index, count: this.#count });
      const stored = await this.#deps.checkpointStore.loadCheckpoint(name);
      if (stored !== undefined && stored >= position) return;
      if (remaining <= 0) {
        throw new EventedError(
          'TIMEOUT',
          `processor ${this.name} segment ${index} did not reach position ${position} in time`,
          { processor: this.name, segment: index, position: position.toString() },
        );
      }
      if (this.#stopped) {
        throw new EventedError('CLOSED', `processor ${this.name} is stopped`, {
          processor: this.name,
        });
      }
      await sleep(Math.min(REMOTE_POLL_MS, remaining));
    }
  }

  /** Stops the claim loop and the segments here, keeping the claims. */
  async #suspend(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#claiming;
    await this.#acquiring;
    await Promise.all([...this.#workers.values()].map(({ processor }) => processor.stop()));
    this.#workers.clear();
  }

  /** Works again: every segment without a claim store; else the `fences` held, and the claim loop. */
  #resume(fences: ReadonlyMap<number, Fence> | undefined): void {
    this.#stopped = false;
    this.#abort = new AbortController();
    if (!this.#deps.claimStore) {
      for (let index = 0; index < this.#count; index++) this.#startWorker(index, undefined);
      return;
    }
    for (const [index, fence] of fences ?? []) this.#startWorker(index, fence);
    this.#claiming = this.#claimLoop(this.#deps.claimStore, this.#abort.signal);
  }

  #startWorker(index: number, fence: Fence | undefined): void {
    const segment: Segment = { index, count: this.#count };
    const processor = new Processor(
      {
        ...this.#definition,
        ...(this.#count > 1 && { segment }),
        ...(fence && { fence }),
        onHandled: (count) => this.#meter.record(count),
      },
      this.#deps,
      this.#options,
    );
    this.#workers.set(index, { processor, fence });
    processor.start();
  }

  async #claimLoop(claims: ClaimStore, signal: AbortSignal): Promise<void> {
    const tick = Math.max(50, Math.floor(this.#leaseMs / 3));
    while (!signal.aborted) {
      try {
        await this.#balance(claims, signal);
      } catch (error) {
        if (signal.aborted) return;
        const level = isEventedError(error, 'UNAVAILABLE') ? 'warn' : 'error';
        this.#deps.logger[level](
          { err: error, processor: this.name, node: this.#node },
          'claiming segments failed; trying again',
        );
      }
      await sleep(tick, undefined, { signal }).catch(() => undefined);
    }
  }

  /** One round: heartbeat, renew, give up what is over the share, claim what is under it. */
  async #balance(claims: ClaimStore, signal: AbortSignal): Promise<void> {
    const nodes = await claims.heartbeat(this.name, this.#node, this.#leaseMs);
    const share = fairShare(this.#count, nodes, this.#node);
    for (const [index, worker] of [...this.#workers]) {
      const renewed = worker.processor.fenced
        ? undefined
        : await claims.claim(this.name, index, this.#node, this.#leaseMs);
      if (!renewed || renewed.token !== worker.fence?.token) {
        this.#deps.logger.warn(
          { processor: this.name, node: this.#node, segment: index },
          'segment taken over by another node; this node stops working it',
        );
        this.#workers.delete(index);
        await worker.processor.stop();
      }
    }
    while (this.#workers.size > share && !signal.aborted) {
      const index = Math.max(...this.#workers.keys());
      const worker = this.#workers.get(index)!;
      this.#workers.delete(index);
      await worker.processor.stop();
      await claims.release(worker.fence!);
      this.#deps.logger.info(
        { processor: this.name, node: this.#node, segment: index },
        'segment handed over to balance the nodes',
      );
    }
    // Taking claims may wait on a stalled node's lock for up to its lease: done beside the
    // loop, so that this node's own renewals are never late for it.
    if (this.#workers.size < share && !this.#acquiring && !signal.aborted) {
      this.#acquiring = this.#acquire(claims, nodes, share, signal)
        .catch((error: unknown) => {
          if (signal.aborted) return;
          this.#deps.logger.warn(
            { err: error, processor: this.name, node: this.#node },
            'claiming segments failed; trying again',
          );
        })
        .finally(() => {
          this.#acquiring = undefined;
        });
    }
  }

  /** Claims free or expired segments until this node works its share. */
  async #acquire(
    claims: ClaimStore,
    nodes: readonly string[],
    share: number,
    signal: AbortSignal,
  ): Promise<void> {
    // Start the search at this node's place among the nodes, so nodes rarely race for one segment.
    const offset = Math.floor(
      (nodes.indexOf(this.#node) * this.#count) / Math.max(1, nodes.length),
    );
    for (let i = 0; i < this.#count && this.#workers.size < share && !signal.aborted; i++) {
      const index = (offset + i) % this.#count;
      if (this.#workers.has(index)) continue;
      const fence = await claims.claim(this.name, index, this.#node, this.#leaseMs);
      if (fence && !signal.aborted && !this.#workers.has(index)) {
        this.#deps.logger.info(
          { processor: this.name, node: this.#node, segment: index, token: fence.token },
          'segment claimed',
        );
        this.#startWorker(index, fence);
      } else if (fence && !this.#workers.has(index)) {
        await claims.release(fence);
      }
    }
  }
}

/** How many of `count` segments `node` should work: an even split over the live nodes. */
export function fairShare(count: number, nodes: readonly string[], node: string): number {
  const live = nodes.includes(node) ? nodes : [...nodes, node].sort();
  const place = live.indexOf(node);
  return Math.floor(count / live.length) + (place < count % live.length ? 1 : 0);
}

function groupState(states: readonly ProcessorState[]): ProcessorState {
  if (states.length === 0) return 'stopped';
  for (const state of ['error', 'starting', 'catching-up'] as const) {
    if (states.includes(state)) return state;
  }
  return states.every((state) => state === 'stopped') ? 'stopped' : 'live';
}
