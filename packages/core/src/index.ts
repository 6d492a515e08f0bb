export { EventedError, isEventedError } from './errors/evented-error.js';
export type { EventedErrorCode, EventedErrorDetails } from './errors/evented-error.js';

export { START } from './event-store/types.js';
export type {
  JsonValue,
  JsonObject,
  Position,
  StreamId,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
} from './event-store/types.js';
export type {
  EventStore,
  AppendOptions,
  AppendResult,
  ReadStreamOptions,
  ReadAllOptions,
  ReadAllPage,
  EventFilter,
  CommandRecord,
  CountEventsOptions,
  WaitOptions,
} from './event-store/event-store.js';

export type { SnapshotStore, Snapshot, NewSnapshot } from './snapshot-store/snapshot-store.js';

export { defaultSnapshotPolicy } from './snapshotting/snapshot-policy.js';
export type { SnapshotPolicy } from './snapshotting/snapshot-policy.js';
export { SnapshotWorker, defaultSnapshotWorkerOptions } from './snapshotting/snapshot-worker.js';
export type {
  SnapshotWorkerOptions,
  SnapshotWorkerStatus,
} from './snapshotting/snapshot-worker.js';

export type { Upcaster, UpcastInput, UpcastOutput } from './upcasting/upcaster.js';
export { UpcasterRegistry } from './upcasting/upcaster-registry.js';
export { UpcastingEventStore, upcastingEventStore } from './upcasting/upcasting-event-store.js';
export { checkUpcasters, defaultUpcasterCheckOptions } from './upcasting/check-upcasters.js';
export type {
  UpcasterCheckOptions,
  UpcasterCheckProgress,
  UpcasterCheckReport,
} from './upcasting/check-upcasters.js';

export type { CheckpointStore } from './checkpoint-store/checkpoint-store.js';
export type { ClaimStore, Fence, SegmentClaim } from './claim-store/claim-store.js';
export type {
  DeadLetterStore,
  DeadLetter,
  NewDeadLetter,
  DeadLetterQuery,
  ParkedAggregate,
  ParkReason,
} from './dead-letter-store/dead-letter-store.js';

export type { Storage, StorageCapabilities } from './storage/storage.js';

export { defaultLimits, resolveLimits } from './validation/limits.js';
export type { Limits } from './validation/limits.js';
export { RESERVED_ID_PREFIX } from './validation/ids.js';

export type { Command, CommandResult, DispatchOptions } from './command-handling/command.js';
export type {
  BusinessLogic,
  AggregateHistory,
  Decision,
  HandleOptions,
} from './command-handling/business-logic.js';
export { fromDecider } from './command-handling/decider.js';
export type { Decider, Message } from './command-handling/decider.js';
export { reject, isRejection, rejectCommand } from './command-handling/rejection.js';
export type { Rejection } from './command-handling/rejection.js';

export { aggregate, command, event } from './aggregates/decorators.js';
export type {
  AggregateOptions,
  CommandOptions,
  EventOptions,
  CommandMethod,
  EventMethod,
  CommandOutcome,
  DecidedEvent,
} from './aggregates/decorators.js';
export { fromAggregate } from './aggregates/from-aggregate.js';
export type { AggregateLogic, LifecycleViolation } from './aggregates/from-aggregate.js';
export type {
  StandardSchemaV1,
  StandardSchemaResult,
  StandardSchemaIssue,
  InferInput,
  InferOutput,
  SchemaIssue,
} from './validation/standard-schema.js';
export { CommandHandler, defaultCommandRetryOptions } from './command-handling/command-handler.js';
export type {
  CommandHandlerDependencies,
  CommandRetryOptions,
  DomainRegistration,
} from './command-handling/command-handler.js';

export type { EventBus, EventListener } from './bus/event-bus.js';
export { InProcessEventBus } from './bus/in-process-event-bus.js';

export type { Projector, ProjectionContext } from './processors/projector.js';
export { projectorProcessorName } from './processors/projector.js';
export type { Saga, SagaContext, SagaCommand } from './processors/saga.js';
export type {
  ProcessorStatus,
  ProcessorState,
  ProcessorFailure,
  ProcessorReport,
  ProcessorLag,
  ReplayProgress,
  SegmentStatus,
  SegmentReport,
} from './processors/processor-status.js';
export type { ResetResult, ResetTarget } from './processors/processor-reset.js';
export { Processor, defaultProcessorOptions } from './processors/processor.js';
export type {
  ProcessorOptions,
  ProcessorDependencies,
  ProcessorDefinition,
} from './processors/processor.js';
export { ProcessorCoordinator } from './processors/processor-coordinator.js';
export { ProjectorCoordinator } from './processors/projector-coordinator.js';
export { SagaCoordinator, sagaCommandId } from './processors/saga-coordinator.js';
export type { CommandSender } from './processors/saga-coordinator.js';

export type {
  StorageConfig,
  SqliteStorageConfig,
  PostgresStorageConfig,
  RedisStorageConfig,
  StorageFactory,
} from './storage/storage-config.js';

export { Evented, createEvented, DEFAULT_WAIT_FOR_TIMEOUT_MS } from './facade/evented.js';
export { EventedBuilder } from './facade/evented-builder.js';
export type { BusinessLogicOptions } from './facade/evented-builder.js';
export { EventedConfig } from './facade/evented-config.js';

export type { Logger } from './observability/logger.js';
export { consoleLogger, silentLogger } from './observability/logger.js';
