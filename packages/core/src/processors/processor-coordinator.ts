import { EventedError } from '../errors/evented-error.js';
import type { Position } from '../event-store/types.js';
import type { ProcessorGroup } from './processor-group.js';
import type { ClearReadModel, ResetResult } from './processor-reset.js';
import type { ProcessorReport, ProcessorStatus } from './processor-status.js';

/** Runs a set of named processors: start, stop, status, and waiting for a position. */
export class ProcessorCoordinator {
  readonly #processors = new Map<string, ProcessorGroup>();

  constructor(processors: readonly ProcessorGroup[]) {
    for (const processor of processors) {
      if (this.#processors.has(processor.name)) {
        throw new EventedError('CONFIGURATION', `two processors are named ${processor.name}`, {
          processor: processor.name,
        });
      }
      this.#processors.set(processor.name, processor);
    }
  }

  /** The names of the processors, in registration order. */
  get names(): string[] {
    return [...this.#processors.keys()];
  }

  has(name: string): boolean {
    return this.#processors.has(name);
  }

  start(): void {
    for (const processor of this.#processors.values()) processor.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#processors.values()].map((processor) => processor.stop()));
  }

  status(): ProcessorStatus[] {
    return [...this.#processors.values()].map((processor) => processor.status());
  }

  /** The status of the named processor with head, lag and segments read from the store. */
  report(name: string): Promise<ProcessorReport> {
    return this.get(name).report();
  }

  /** Moves the named processor's checkpoints to `position`; see `ProcessorGroup.reset`. */
  reset(name: string, position: Position, clear?: ClearReadModel): Promise<ResetResult> {
    return this.get(name).reset(position, clear);
  }

  /** Restarts a processor stopped in the `error` state, from its checkpoint. */
  restart(name: string): void {
    this.get(name).start();
  }

  /**
   * Resolves when the named processor has handled everything up to `position`, in the
   * segment of `aggregate` when given.
   */
  waitFor(
    name: string,
    position: Position,
    timeoutMs: number,
    aggregate?: { readonly domain: string; readonly aggregateId: string },
  ): Promise<void> {
    return this.get(name).waitFor(position, timeoutMs, aggregate);
  }

  /** The named processor; `NOT_FOUND` if there is none. */
  get(name: string): ProcessorGroup {
    const processor = this.#processors.get(name);
    if (!processor) {
      throw new EventedError(
        'NOT_FOUND',
        `no processor is named ${name} (known: ${this.names.join(', ') || 'none'})`,
        {
          processor: name,
        },
      );
    }
    return processor;
  }
}
