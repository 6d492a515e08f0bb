import { setTimeout as sleep } from 'node:timers/promises';
import type { EventBus } from '../bus/event-bus.js';
import { isEventedError } from '../errors/evented-error.js';
import { concurrencyConflict } from '../errors/errors.js';
import type { AppendResult, EventStore } from '../event-store/event-store.js';
import type { StreamId } from '../event-store/types.js';
import type { Logger } from '../observability/logger.js';
import type { Snapshot, SnapshotStore } from '../snapshot-store/snapshot-store.js';
import type { SnapshotPolicy } from '../snapshotting/snapshot-policy.js';
import { defaultSnapshotPolicy, snapshotDue } from '../snapshotting/snapshot-policy.js';
import { SnapshotWorker } from '../snapshotting/snapshot-worker.js';
import type {
  SnapshotWorkerOptions,
  SnapshotWorkerStatus,
} from '../snapshotting/snapshot-worker.js';
import type { Limits } from '../validation/limits.js';
import type { AggregateHistory, BusinessLogic, Decision } from './business-logic.js';
import type { Command, CommandResult } from './command.js';
import { unknownDomain, validateCommand } from './validate-command.js';

/** One domain's business logic and its snapshot policy. */
export interface DomainRegistration {
  readonly logic: BusinessLogic;
  /** When to snapshot the domain's aggregates; off when absent (and no `snapshotEvery`). */
  readonly snapshots?: SnapshotPolicy;
  /** Short for `snapshots: { everyEvents: snapshotEvery }`; `snapshots` wins when both are set. */
  readonly snapshotEvery?: number;
}

/** How a command handler retries after a concurrency conflict. */
export interface CommandRetryOptions {
  /** Reloads and retries after a conflict; default 5. Never for an explicit `expectedVersion`. */
  readonly maxRetries?: number;
  /** Upper bound of the random delay before the first retry, doubled each time; default 2 ms. */
  readonly backoffMs?: number;
}

/** Defaults of {@link CommandRetryOptions}. */
export const defaultCommandRetryOptions = { maxRetries: 5, backoffMs: 2 } as const;

/** What a command handler works with. */
export interface CommandHandlerDependencies {
  readonly eventStore: EventStore;
  readonly snapshotStore: SnapshotStore;
  readonly bus: EventBus;
  readonly domains: ReadonlyMap<string, DomainRegistration>;
  readonly limits: Limits;
  readonly logger: Logger;
  readonly retry?: CommandRetryOptions;
  /** The background worker that saves snapshots. */
  readonly snapshotWorker?: SnapshotWorkerOptions;
}

/**
 * Runs commands: load the aggregate (latest snapshot, then the events after it), run the
 * domain's business logic, append with the loaded version as expected version, retry on a
 * conflict, publish the events, and apply the snapshot policy.
 */
export class CommandHandler {
  readonly #deps: CommandHandlerDependencies;
  readonly #maxRetries: number;
  readonly #backoffMs: number;
  readonly #snapshots: SnapshotWorker;
  /** The tail of each aggregate's queue of commands in this process. */
  readonly #queues = new Map<string, Promise<void>>();

  constructor(dependencies: CommandHandlerDependencies) {
    this.#deps = dependencies;
    this.#maxRetries = dependencies.retry?.maxRetries ?? defaultCommandRetryOptions.maxRetries;
    this.#backoffMs = dependencies.retry?.backoffMs ?? defaultCommandRetryOptions.backoffMs;
    this.#snapshots = new SnapshotWorker(
      dependencies.snapshotStore,
      dependencies.logger,
      dependencies.snapshotWorker,
    );
  }

  /** Handles one command; see `Evented.dispatch`. */
  async handle(command: Command): Promise<CommandResult> {
    validateCommand(command, this.#deps.limits);
    const registration = this.#deps.domains.get(command.domain);
    if (!registration) throw unknownDomain(command.domain, [...this.#deps.domains.keys()]);
    return this.#inQueue(`${command.domain}\u0000${command.aggregateId}`, async () => {
      const previous = await this.#previousResult(command.commandId);
      return previous ?? this.#withRetries(command, registration);
    });
  }

  /**
   * Runs one aggregate's commands one after the other within this process, so that they
   * do not conflict with each other; conflicts with other processes are left to retries.
   */
  async #inQueue<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key);
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    const queued = previous ? previous.then(() => tail) : tail;
    this.#queues.set(key, queued);
    try {
      if (previous) await previous;
      return await work();
    } finally {
      release();
      if (this.#queues.get(key) === queued) this.#queues.delete(key);
    }
  }

  async #withRetries(command: Command, registration: DomainRegistration): Promise<CommandResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#attempt(command, registration);
      } catch (error) {
        if (isEventedError(error, 'COMMAND_REJECTED')) {
          // Another process may have run this very command meanwhile: its result stands.
          const previous = await this.#previousResult(command.commandId);
          if (previous) return previous;
          throw error;
        }
        const retriable =
          isEventedError(error, 'CONCURRENCY_CONFLICT') &&
          command.expectedVersion === undefined &&
          attempt < this.#maxRetries;
        if (!retriable) throw error;
        await sleep(Math.random() * this.#backoffMs * 2 ** attempt);
      }
    }
  }

  /**
   * Stops taking snapshots and resolves when those queued and being written have been
   * saved (or have failed), or after the worker's `drainTimeoutMs`.
   */
  async settle(): Promise<void> {
    await this.#snapshots.close();
  }

  /** What the background snapshot worker has done: saved, failed, dropped, pruned. */
  snapshotStatus(): SnapshotWorkerStatus {
    return this.#snapshots.status();
  }

  async #attempt(command: Command, registration: DomainRegistration): Promise<CommandResult> {
    const stream = { domain: command.domain, aggregateId: command.aggregateId };
    const history = await this.#load(stream, registration);
    if (command.expectedVersion !== undefined && command.expectedVersion !== history.version) {
      throw concurrencyConflict(
        stream.domain,
        stream.aggregateId,
        command.expectedVersion,
        history.version,
      );
    }
    const policy = snapshotPolicyOf(registration);
    const snapshotWanted = policy !== undefined && snapshotDue(policy, snapshotFacts(history, 1));
    const decision: Decision = await registration.logic.handle(command, history, {
      snapshotWanted,
    });
    const result = await this.#deps.eventStore.appendToStream(stream, decision.events, {
      expectedVersion: history.version,
      ...(command.commandId !== undefined && { commandId: command.commandId }),
      correlationId: command.correlationId ?? command.commandId,
      // The events' cause is the command; the command's own cause stays in its record.
      causationId: command.commandId ?? command.causationId,
    });
    if (!result.duplicate && result.events.length > 0) {
      await this.#deps.bus.publish(result.events);
      if (
        decision.snapshot &&
        policy !== undefined &&
        snapshotDue(policy, snapshotFacts(history, result.events.length))
      ) {
        this.#snapshots.offer(
          {
            ...stream,
            version: result.version,
            state: decision.snapshot.state,
            schemaVersion: decision.snapshot.schemaVersion ?? 1,
          },
          policy.keep ?? defaultSnapshotPolicy.keep,
        );
      }
    }
    return toCommandResult(result, command.commandId);
  }

  async #load(stream: StreamId, registration: DomainRegistration): Promise<AggregateHistory> {
    const { eventStore, snapshotStore } = this.#deps;
    let snapshot =
      snapshotPolicyOf(registration) === undefined
        ? undefined
        : await snapshotStore.latestSnapshot(stream);
    if (snapshot && snapshot.schemaVersion !== (registration.logic.snapshotSchemaVersion ?? 1)) {
      snapshot = undefined;
    }
    const events = await eventStore.readStream(stream, {
      fromVersion: (snapshot?.version ?? 0) + 1,
    });
    const version = events.at(-1)?.version ?? snapshot?.version ?? 0;
    return { snapshot, events, version };
  }

  async #previousResult(commandId: string | undefined): Promise<CommandResult | undefined> {
    if (commandId === undefined) return undefined;
    const { eventStore } = this.#deps;
    const record = await eventStore.findCommand(commandId);
    if (!record) return undefined;
    const count = record.toVersion - record.fromVersion;
    const events =
      count === 0
        ? []
        : await eventStore.readStream(record, {
            fromVersion: record.fromVersion + 1,
            limit: count,
          });
    return {
      domain: record.domain,
      aggregateId: record.aggregateId,
      commandId,
      events,
      version: record.toVersion,
      duplicate: true,
    };
  }
}

/** A registration's snapshot policy: `snapshots`, or `snapshotEvery` as `everyEvents`. */
function snapshotPolicyOf(registration: DomainRegistration): SnapshotPolicy | undefined {
  if (registration.snapshots) return registration.snapshots;
  if (registration.snapshotEvery === undefined) return undefined;
  return { everyEvents: registration.snapshotEvery };
}

/**
 * What the policy looks at after `added` new events: the events since the snapshot (all of
 * them when there is none), and the snapshot's age, or the first event's without one.
 * Before deciding, `added` is 1: ask for a snapshot if one more event would make it due.
 */
function snapshotFacts(history: AggregateHistory, added: number) {
  const snapshot: Snapshot | undefined = history.snapshot;
  return {
    sinceSnapshot: history.events.length + added,
    since: snapshot ? snapshot.recordedAt : history.events[0]?.recordedAt,
    now: Date.now(),
  };
}

function toCommandResult(result: AppendResult, commandId: string | undefined): CommandResult {
  return {
    domain: result.domain,
    aggregateId: result.aggregateId,
    commandId,
    events: result.events,
    version: result.version,
    duplicate: result.duplicate,
  };
}
