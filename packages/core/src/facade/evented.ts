import type { EventBus, EventListener } from '../bus/event-bus.js';
import { InProcessEventBus } from '../bus/in-process-event-bus.js';
import type { Command, CommandResult, DispatchOptions } from '../command-handling/command.js';
import { CommandHandler } from '../command-handling/command-handler.js';
import type { DomainRegistration } from '../command-handling/command-handler.js';
import type {
  DeadLetter,
  DeadLetterQuery,
  DeadLetterStore,
  ParkedAggregate,
} from '../dead-letter-store/dead-letter-store.js';
import { EventedError } from '../errors/evented-error.js';
import { assertStreamId } from '../event-store/prepare-append.js';
import type { Position, StreamId } from '../event-store/types.js';
import { START } from '../event-store/types.js';
import { closedError, invalidArgument } from '../errors/errors.js';
import type { Logger } from '../observability/logger.js';
import { consoleLogger } from '../observability/logger.js';
import type { ProcessorCoordinator } from '../processors/processor-coordinator.js';
import type { ProcessorReport, ProcessorStatus } from '../processors/processor-status.js';
import { positionAt } from '../processors/processor-lag.js';
import type { ResetResult, ResetTarget } from '../processors/processor-reset.js';
import { defaultNodeId } from '../processors/processor-group.js';
import { ProjectorCoordinator } from '../processors/projector-coordinator.js';
import { SagaCoordinator } from '../processors/saga-coordinator.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import { assertPositiveInteger, assertValidId } from '../validation/ids.js';
import type { SnapshotWorkerStatus } from '../snapshotting/snapshot-worker.js';
import { checkUpcasters } from '../upcasting/check-upcasters.js';
import type { UpcasterCheckOptions, UpcasterCheckReport } from '../upcasting/check-upcasters.js';
import { UpcasterRegistry } from '../upcasting/upcaster-registry.js';
import { UpcastingEventStore } from '../upcasting/upcasting-event-store.js';
import { upcastingStorage } from '../upcasting/upcasting-storage.js';
import { resolveLimits } from '../validation/limits.js';
import type { Limits } from '../validation/limits.js';
import { EventedBuilder } from './evented-builder.js';
import type { EventedConfig } from './evented-config.js';

/** How long `dispatch` waits for the processors named in `waitFor` by default. */
export const DEFAULT_WAIT_FOR_TIMEOUT_MS = 5_000;

/**
 * An evented application in one process: stores, command handling, projectors and sagas.
 *
 * ```ts
 * const evented = await Evented.builder(EventedConfig.inMemory())
 *   .withBusinessLogic('account', account)
 *   .withProjector(balances)
 *   .build();
 * const result = await evented.dispatch(
 *   { domain: 'account', aggregateId: 'a-1', type: 'Deposit', data: { amount: 10 } },
 *   { waitFor: ['balances'] },
 * );
 * await evented.close();
 * ```
 */
export class Evented {
  /** The stores; for reading events and for read models in the same database. */
  readonly storage: Storage;
  readonly #handler: CommandHandler;
  readonly #bus: EventBus;
  readonly #projectors: ProjectorCoordinator;
  readonly #sagas: SagaCoordinator;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #limits: Limits;
  #closed = false;

  /** Starts a builder; `build()` opens the stores and starts the processors. */
  static builder(config: EventedConfig): EventedBuilder {
    return new EventedBuilder(config, createEvented);
  }

  /** Use {@link createEvented} or {@link Evented.builder}. */
  private constructor(storage: Storage, config: EventedConfig, logger: Logger) {
    const limits = resolveLimits(config.limits);
    this.#limits = limits;
    this.storage = storage;
    this.#bus = config.bus ?? new InProcessEventBus(logger);
    this.#handler = new CommandHandler({
      eventStore: storage.eventStore,
      snapshotStore: storage.snapshotStore,
      bus: this.#bus,
      domains: new Map<string, DomainRegistration>(Object.entries(config.domains ?? {})),
      limits,
      logger,
      ...(config.commandRetry && { retry: config.commandRetry }),
      ...(config.snapshotWorker && { snapshotWorker: config.snapshotWorker }),
    });
    const deps = {
      eventStore: storage.eventStore,
      checkpointStore: storage.checkpointStore,
      // One process alone on its store (SQLite in memory) has nobody to share segments with.
      claimStore: storage.capabilities.sharedAcrossProcesses ? storage.claimStore : undefined,
      deadLetterStore: storage.deadLetterStore,
      node: config.nodeId ?? defaultNodeId(),
      logger,
    };
    assertValidId('nodeId', deps.node, limits.maxIdBytes);
    this.#projectors = new ProjectorCoordinator(
      config.projectors ?? [],
      deps,
      config.processors,
      storage,
    );
    this.#sagas = new SagaCoordinator(
      config.sagas ?? [],
      (command) => this.#handler.handle(command),
      deps,
      config.processors,
    );
    const names = new Set(this.#projectors.names);
    for (const name of this.#sagas.names) {
      if (names.has(name)) {
        throw new EventedError('CONFIGURATION', `a projector and a saga are both named ${name}`, {
          processor: name,
        });
      }
    }
  }

  /** @internal Opens the stores, prepares the projectors and starts every processor. */
  static async open(config: EventedConfig): Promise<Evented> {
    const logger = config.logger ?? consoleLogger;
    const upcasters = new UpcasterRegistry(config.upcasters ?? []);
    const stored = await openStorage(config.storage, resolveLimits(config.limits));
    // With upcasters, every reader of `storage.eventStore` (commands, processors, the gRPC
    // server) sees upcast events; the stored ones stay as they are.
    const storage =
      upcasters.size === 0
        ? stored
        : upcastingStorage(stored, new UpcastingEventStore(stored.eventStore, upcasters));
    try {
      const evented = new Evented(storage, config, logger);
      for (const projector of config.projectors ?? []) await projector.start?.(storage);
      evented.#projectors.start();
      evented.#sagas.start();
      return evented;
    } catch (error) {
      await storage.close();
      throw error;
    }
  }

  /**
   * Handles a command: load the aggregate, run its domain's business logic, append the
   * events with sequence validation (retrying on conflict unless the command names an
   * `expectedVersion`), publish them, and return what was recorded. A rejection fails with
   * `COMMAND_REJECTED` and writes nothing; a repeated `commandId` returns the first result.
   * With `waitFor`, resolves only once those processors have handled the events.
   */
  async dispatch(command: Command, options: DispatchOptions = {}): Promise<CommandResult> {
    if (this.#closed) throw closedError('evented');
    const waitFor = options.waitFor ?? [];
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_FOR_TIMEOUT_MS;
    assertPositiveInteger('timeoutMs', timeoutMs);
    for (const name of waitFor) this.#coordinatorOf(name);
    const handling = this.#handler.handle(command);
    this.#inFlight.add(handling);
    let result: CommandResult;
    try {
      result = await handling;
    } finally {
      this.#inFlight.delete(handling);
    }
    const last = result.events.at(-1);
    if (last) {
      await Promise.all(
        waitFor.map((name) =>
          this.#coordinatorOf(name).waitFor(name, last.position, timeoutMs, last),
        ),
      );
    }
    return result;
  }

  /**
   * Resolves once the named processors (default: all) have handled every event in the log
   * as it is now, including events that sagas issued meanwhile only if already recorded.
   */
  async waitForProcessors(
    options: { names?: readonly string[]; timeoutMs?: number } = {},
  ): Promise<void> {
    const names = options.names ?? this.processors().map((status) => status.name);
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_FOR_TIMEOUT_MS;
    const head = await this.storage.eventStore.headPosition();
    await Promise.all(
      names.map((name) => this.#coordinatorOf(name).waitFor(name, head, timeoutMs)),
    );
  }

  /** The status of every processor: state, checkpoint, and the event it failed at, if any. */
  processors(): ProcessorStatus[] {
    return [...this.#projectors.status(), ...this.#sagas.status()];
  }

  /**
   * The status of one processor with what costs reads of the store: the head of the log,
   * the lag in events (counted, up to a cap: `lag.atLeast`) and in seconds, and for a
   * segmented or shared processor every segment with its owner, checkpoint and lag.
   */
  async processorStatus(name: string): Promise<ProcessorReport> {
    return await this.#coordinatorOf(name).report(name);
  }

  /** {@link Evented.processorStatus} of every processor, in the order of {@link Evented.processors}. */
  async processorReports(): Promise<ProcessorReport[]> {
    const names = this.processors().map((status) => status.name);
    return await Promise.all(names.map((name) => this.processorStatus(name)));
  }

  /** What the background snapshot worker has done: saved, failed, dropped (queue full), pruned. */
  snapshotStatus(): SnapshotWorkerStatus {
    return this.#handler.snapshotStatus();
  }

  /**
   * Walks the whole log as stored and reports each event this application's upcasters
   * cannot bring to its type's current schema version, with progress after each page and
   * a last `done` report; see {@link checkUpcasters}. Changes nothing.
   *
   * ```ts
   * for await (const report of evented.checkUpcasters()) {
   *   if (report.kind === 'failure') console.log(report.error.message);
   * }
   * ```
   */
  checkUpcasters(options: UpcasterCheckOptions = {}): AsyncGenerator<UpcasterCheckReport> {
    const events = this.storage.eventStore;
    if (events instanceof UpcastingEventStore) {
      return checkUpcasters(events.stored, events.registry, options);
    }
    return checkUpcasters(events, new UpcasterRegistry([]), options);
  }

  /** Restarts a processor that stopped in the `error` state, from its checkpoint. */
  restartProcessor(name: string): void {
    this.#coordinatorOf(name).restart(name);
  }

  /**
   * Moves a processor back (or forward) and lets it work on from there: to the start of
   * the log, to a position (its new checkpoint), or to a time (the first event recorded at
   * or after it is handled next; found by a binary search over positions, which assumes
   * `recordedAt` grows with the position). Its segments here stop after their page in
   * hand; with shared processors this node must be able to claim every segment (see
   * `ProcessorGroup.reset`: other nodes working it make the reset fail, naming them).
   * Events up to the head of the log as it is now are then replayed
   * (`ProjectionContext.replaying`); `processors()` shows the progress.
   *
   * ```ts
   * await evented.resetProcessor('balances', { to: new Date('2026-01-01T00:00:00Z') });
   * ```
   */
  async resetProcessor(name: string, options: { to: ResetTarget }): Promise<ResetResult> {
    const coordinator = this.#coordinatorOf(name);
    return await coordinator.reset(name, await this.#positionOf(options.to));
  }

  /**
   * Rebuilds a projector's read model: its `reset` hook clears it while the checkpoints go
   * back to the start (in the same transaction, for a transactional projector of one
   * segment), then the log is replayed, events up to the head as it is now with
   * `replaying: true`. Resolves once the replay has begun; follow it in `processors()`.
   */
  async rebuildProjector(name: string): Promise<ResetResult> {
    if (!this.#projectors.has(name)) {
      throw new EventedError(
        'NOT_FOUND',
        `no projector is named ${name}` + (this.#sagas.has(name) ? ' (it is a saga)' : ''),
        { processor: name },
      );
    }
    return await this.#projectors.rebuild(name);
  }

  /** The events a processor parked (`onPoison: 'park'`), in log order. */
  async deadLetters(processor: string, query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    this.#coordinatorOf(processor);
    return await this.#deadLetterStore().list(processor, query);
  }

  /** The aggregates with events a processor parked, with how many each. */
  async parkedAggregates(processor: string): Promise<ParkedAggregate[]> {
    this.#coordinatorOf(processor);
    return await this.#deadLetterStore().parkedAggregates(processor);
  }

  /**
   * Handles an aggregate's parked events again, in order, through the processor (on the
   * node that works the aggregate's segment); once all succeed, its later events flow
   * again. Resolves with how many were handled; fails with the first that fails again.
   */
  async retryParked(processor: string, stream: StreamId): Promise<number> {
    assertStreamId(stream, this.#limits);
    return await this.#coordinatorOf(processor)
      .get(processor)
      .segmentProcessor(stream.domain, stream.aggregateId)
      .retryParked(stream.domain, stream.aggregateId);
  }

  /** Drops an aggregate's parked events unhandled; its later events flow again. */
  async skipParked(processor: string, stream: StreamId): Promise<number> {
    assertStreamId(stream, this.#limits);
    return await this.#coordinatorOf(processor)
      .get(processor)
      .segmentProcessor(stream.domain, stream.aggregateId)
      .skipParked(stream.domain, stream.aggregateId);
  }

  /** Calls `listener` with the events of every append made through this instance. */
  subscribe(listener: EventListener): () => void {
    return this.#bus.subscribe(listener);
  }

  /** Stops the processors after the page in hand, lets commands in flight finish, closes the stores. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sagas.stop();
    await Promise.allSettled([...this.#inFlight]);
    await this.#projectors.stop();
    await this.#handler.settle();
    await this.storage.close();
  }

  async #positionOf(to: ResetTarget): Promise<Position> {
    if (to === 'start') return START;
    if (to instanceof Date) {
      if (Number.isNaN(to.getTime())) throw invalidArgument('to', 'must be a valid date');
      return positionAt(this.storage.eventStore, to);
    }
    if (typeof to !== 'bigint' || to < 0n) {
      throw invalidArgument('to', `must be 'start', a non-negative bigint or a Date`);
    }
    const head = await this.storage.eventStore.headPosition();
    if (to > head) {
      throw invalidArgument('to', `position ${to} is beyond the head of the log (${head})`, {
        position: to.toString(),
        head: head.toString(),
      });
    }
    return to;
  }

  #deadLetterStore(): DeadLetterStore {
    const store = this.storage.deadLetterStore;
    if (!store) {
      throw new EventedError('CONFIGURATION', 'this store keeps no dead letters');
    }
    return store;
  }

  #coordinatorOf(name: string): ProcessorCoordinator {
    if (this.#projectors.has(name)) return this.#projectors;
    if (this.#sagas.has(name)) return this.#sagas;
    throw new EventedError('NOT_FOUND', `no projector or saga is named ${name}`, {
      processor: name,
    });
  }
}

/** Opens an application from one plain config; what `Evented.builder(...).build()` calls. */
export function createEvented(config: EventedConfig): Promise<Evented> {
  return Evented.open(config);
}
