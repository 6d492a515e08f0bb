import { atLeastOnce, inStoreTransaction } from './delivery.js';
import type { ProcessorDependencies, ProcessorOptions } from './processor.js';
import { Processor } from './processor.js';
import { ProcessorCoordinator } from './processor-coordinator.js';
import type { Projector } from './projector.js';

/** Runs projectors: one processor each, delivering to `handle` as the projector asks. */
export class ProjectorCoordinator extends ProcessorCoordinator {
  constructor(
    projectors: readonly Projector[],
    deps: ProcessorDependencies,
    options: ProcessorOptions = {},
  ) {
    super(projectors.map((projector) => projectorProcessor(projector, deps, options)));
  }
}

function projectorProcessor(
  projector: Projector,
  deps: ProcessorDependencies,
  options: ProcessorOptions,
): Processor {
  const { name } = projector;
  const context = { processor: name, transaction: undefined };
  const delivery =
    projector.delivery === 'transactional'
      ? inStoreTransaction(
          name,
          deps.checkpointStore,
          (event, transaction) => projector.handle(event, { processor: name, transaction }),
          projector.handleBatch &&
            ((events, transaction) =>
              projector.handleBatch!(events, { processor: name, transaction })),
        )
      : atLeastOnce(
          name,
          deps.checkpointStore,
          (event) => projector.handle(event, context),
          projector.handleBatch && ((events) => projector.handleBatch!(events, context)),
        );
  return new Processor({ name, kind: 'projector', filter: projector.filter, delivery }, deps, {
    ...options,
    ...projector.processorOptions,
  });
}
