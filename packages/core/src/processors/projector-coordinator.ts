import { setTimeout as sleep } from 'node:timers/promises';
import { EventedError } from '../errors/evented-error.js';
import { START } from '../event-store/types.js';
import type { Storage } from '../storage/storage.js';
import { atLeastOnce, inStoreTransaction } from './delivery.js';
import type { ProcessorOptions } from './processor.js';
import type { ProcessorGroupDependencies } from './processor-group.js';
import { ProcessorGroup } from './processor-group.js';
import { ProcessorCoordinator } from './processor-coordinator.js';
import type { ResetResult } from './processor-reset.js';
import type { ProjectionContext, Projector } from './projector.js';
import { projectorProcessorName } from './projector.js';

/** How often a new version of a projector checks whether it has caught up, until it has. */
const PROMOTE_POLL_MS = 200;

/**
 * Runs projectors: one processor each, delivering to `handle` as the projector asks.
 * Rebuilds them through their `reset` hook, and promotes a new version of a projector
 * once it has caught up, stopping the older versions this application runs.
 */
export class ProjectorCoordinator extends ProcessorCoordinator {
  readonly #projectors = new Map<string, Projector>();
  readonly #deps: ProcessorGroupDependencies;
  readonly #storage: Storage | undefined;
  readonly #promotions = new Map<string, { abort: AbortController; done: Promise<void> }>();

  /** `storage` is what the `reset` and `promote` hooks receive. */
  constructor(
    projectors: readonly Projector[],
    deps: ProcessorGroupDependencies,
    options: ProcessorOptions = {},
    storage?: Storage,
  ) {
    super(projectors.map((projector) => projectorProcessor(projector, deps, options)));
    for (const projector of projectors) {
      this.#projectors.set(projectorProcessorName(projector), projector);
    }
    this.#deps = deps;
    this.#storage = storage;
  }

  override start(): void {
    super.start();
    for (const [name, projector] of this.#projectors) {
      if (!projector.promote || this.#promotions.has(name)) continue;
      const abort = new AbortController();
      const done = this.#promoteWhenCaughtUp(name, projector, abort.signal).finally(() =>
        this.#promotions.delete(name),
      );
      this.#promotions.set(name, { abort, done });
    }
  }

  override async stop(): Promise<void> {
    const promotions = [...this.#promotions.values()];
    for (const { abort } of promotions) abort.abort();
    await Promise.all(promotions.map(({ done }) => done));
    await super.stop();
  }

  /**
   * Rebuilds a projector's read model: stops it, clears the read model with its `reset`
   * hook while its checkpoints go back to the start (in one transaction for a
   * transactional projector of one segment), and replays the log. A transactional
   * projector without `reset` is refused: replaying onto its read model would apply every
   * event twice.
   */
  rebuild(name: string): Promise<ResetResult> {
    const projector = this.#projectorOf(name);
    const transactional = projector.delivery === 'transactional';
    const { reset } = projector;
    if (!reset) {
      if (transactional) {
        throw new EventedError(
          'CONFIGURATION',
          `projector ${name} has no reset hook to clear its read model; give it one, or ` +
            `reset the processor to replay onto the read model as it is`,
          { processor: name },
        );
      }
      return this.reset(name, START);
    }
    const storage = this.#storage!;
    return this.reset(name, START, {
      transactional,
      run: (transaction) => reset.call(projector, storage, transaction),
    });
  }

  #projectorOf(name: string): Projector {
    const projector = this.#projectors.get(name);
    if (!projector) this.get(name); // fails with NOT_FOUND naming the known ones
    return projector!;
  }

  async #promoteWhenCaughtUp(name: string, projector: Projector, signal: AbortSignal) {
    const group = this.get(name);
    while (!signal.aborted) {
      try {
        if (await group.caughtUp()) {
          await projector.promote!(this.#storage!);
          this.#deps.logger.info({ processor: name }, 'projector version promoted');
          await this.#retireOlder(projector);
          return;
        }
      } catch (error) {
        if (signal.aborted) return;
        this.#deps.logger.warn({ err: error, processor: name }, 'promoting the projector failed');
      }
      await sleep(PROMOTE_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Stops the processors of older versions of `projector`: queries read the new one now. */
  async #retireOlder(projector: Projector): Promise<void> {
    const version = projector.version ?? 1;
    for (const [name, other] of this.#projectors) {
      if (other.name !== projector.name || (other.version ?? 1) >= version) continue;
      const promotion = this.#promotions.get(name);
      promotion?.abort.abort();
      await promotion?.done;
      await this.get(name).stop();
      this.#deps.logger.info(
        { processor: name, by: projectorProcessorName(projector) },
        'older projector version stopped',
      );
    }
  }
}

function projectorProcessor(
  projector: Projector,
  deps: ProcessorGroupDependencies,
  options: ProcessorOptions,
): ProcessorGroup {
  const version = projector.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new EventedError(
      'CONFIGURATION',
      `projector ${projector.name}: version must be a positive integer, found ${String(version)}`,
      { processor: projector.name },
    );
  }
  const name = projectorProcessorName(projector);
  const contexts: Record<'live' | 'replaying', ProjectionContext> = {
    live: { processor: name, transaction: undefined, replaying: false },
    replaying: { processor: name, transaction: undefined, replaying: true },
  };
  const contextOf = (replaying: boolean) => contexts[replaying ? 'replaying' : 'live'];
  const delivery =
    projector.delivery === 'transactional'
      ? inStoreTransaction(
          name,
          deps.checkpointStore,
          (event, transaction, replaying) =>
            projector.handle(event, { processor: name, transaction, replaying }),
          projector.handleBatch &&
            ((events, transaction, replaying) =>
              projector.handleBatch!(events, { processor: name, transaction, replaying })),
        )
      : atLeastOnce(
          deps.checkpointStore,
          (event, replaying) => projector.handle(event, contextOf(replaying)),
          projector.handleBatch &&
            ((events, replaying) => projector.handleBatch!(events, contextOf(replaying))),
        );
  return new ProcessorGroup({ name, kind: 'projector', filter: projector.filter, delivery }, deps, {
    ...options,
    ...projector.processorOptions,
  });
}
