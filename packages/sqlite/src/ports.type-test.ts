// Type-level test, checked by `tsc -b` (it is not a `.test.ts` file, so it is compiled):
// each SQLite class still satisfies its port. It declares types only; its output is empty.
import type { CheckpointStore, EventStore, SnapshotStore, Storage } from '@evented/core';
import type { SqliteCheckpointStore } from './checkpoint-store.js';
import type { SqliteEventStore } from './event-store.js';
import type { SqliteSnapshotStore } from './snapshot-store.js';
import type { openSqliteStorage, SqliteStorage } from './storage.js';

type Assert<T extends true> = T;
type Satisfies<Adapter, Port> = [Adapter] extends [Port] ? true : false;

export type SqlitePortsConform = [
  Assert<Satisfies<SqliteEventStore, EventStore>>,
  Assert<Satisfies<SqliteSnapshotStore, SnapshotStore>>,
  Assert<Satisfies<SqliteCheckpointStore, CheckpointStore>>,
  Assert<Satisfies<SqliteStorage, Storage>>,
  // SQLite commits a projection's work with its checkpoint: the optional method is there.
  Assert<Satisfies<SqliteCheckpointStore, Required<CheckpointStore>>>,
  // openSqliteStorage is a conformance StorageFactory once its path is bound.
  Assert<Satisfies<ReturnType<typeof openSqliteStorage>, Promise<Storage>>>,
];
