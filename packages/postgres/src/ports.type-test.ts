// Type-level test, checked by `tsc -b` (it is not a `.test.ts` file, so it is compiled):
// each PostgreSQL class still satisfies its port, and `pg`'s own objects satisfy the
// structural types an application passes in. It declares types only; its output is empty.
import type pg from 'pg';
import type { CheckpointStore, EventStore, SnapshotStore, Storage } from '@evented/core';
import type { PostgresCheckpointStore } from './checkpoint-store.js';
import type { PostgresClient, PostgresPool, PostgresPoolClient } from './connection.js';
import type { PostgresEventStore } from './event-store.js';
import type { PostgresSnapshotStore } from './snapshot-store.js';
import type { openPostgresStorage, PostgresStorage } from './storage.js';

type Assert<T extends true> = T;
type Satisfies<Adapter, Port> = [Adapter] extends [Port] ? true : false;

export type PostgresPortsConform = [
  Assert<Satisfies<PostgresEventStore, EventStore>>,
  Assert<Satisfies<PostgresSnapshotStore, SnapshotStore>>,
  Assert<Satisfies<PostgresCheckpointStore, CheckpointStore>>,
  Assert<Satisfies<PostgresStorage, Storage>>,
  // PostgreSQL commits a projection's work with its checkpoint: the optional method is there.
  Assert<Satisfies<PostgresCheckpointStore, Required<CheckpointStore>>>,
  Assert<Satisfies<ReturnType<typeof openPostgresStorage>, Promise<Storage>>>,
  // An application passes its own pg.Pool; projections receive a pg.PoolClient.
  Assert<Satisfies<pg.Pool, PostgresPool>>,
  Assert<Satisfies<pg.PoolClient, PostgresPoolClient>>,
  Assert<Satisfies<pg.Client, PostgresClient>>,
];
