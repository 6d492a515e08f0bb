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
  WaitOptions,
} from './event-store/event-store.js';

export type { SnapshotStore, Snapshot, NewSnapshot } from './snapshot-store/snapshot-store.js';

export type { CheckpointStore } from './checkpoint-store/checkpoint-store.js';

export type { Storage, StorageCapabilities } from './storage/storage.js';

export { defaultLimits, resolveLimits } from './validation/limits.js';
export type { Limits } from './validation/limits.js';
export { RESERVED_ID_PREFIX } from './validation/ids.js';
