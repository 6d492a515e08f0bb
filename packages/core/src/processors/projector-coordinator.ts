import { atLeastOnce, inStoreTransaction } from './delivery.js';
import type { ProcessorOptions } from './processor.js';
import type { ProcessorGroupDependencies } from './processor-group.js';
import { ProcessorGroup } from './processor-group.js';
import { ProcessorCoordinator } from './processor-coordinator.js';
import type { Projector } from './projector.js';

/** Runs projectors: one processor each, delivering to `handle` as the projector asks. */
export class ProjectorCoordinator extends ProcessorCoordinator {
  constructor(
    projectors: readonly Projector[],
    deps: ProcessorGroupDependencies,
    options: ProcessorOptions = {},
  ) {
    super(projectors.map((projector) => projectorProcessor(projector, deps, options)));
  }
}

function projectorProcessor(
  projector: Projector,
  deps: ProcessorGroupDependencies,
  options: ProcessorOptions,
): ProcessorGroup {
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
          deps.checkpointStore,
          (event) => projector.handle(event, context),
          projector.handleBatch && ((events) => projector.handleBatch!(events, context)),
        );
  return new ProcessorGroup({ name, kind: 'projector', filter: projector.filter, delivery }, deps, {
    ...options,
    ...projector.processorOptions,
  });
}
