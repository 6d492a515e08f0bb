// Type-level test, checked by `tsc -b` (it is not a `.test.ts` file, so it is compiled):
// each Redis class still satisfies its port. It declares types only; its output is empty.
import type { Redis } from 'ioredis';
import type { CheckpointStore, EventStore, SnapshotStore, Storage } from '@evented/core';
import type { RedisCheckpointStore } from './checkpoint-store.js';
import type { RedisLike } from './connection.js';
import type { RedisEventStore } from './event-store.js';
import type { RedisSnapshotStore } from './snapshot-store.js';
import type { openRedisStorage, RedisStorage } from './storage.js';

type Assert<T extends true> = T;
type Satisfies<Adapter, Port> = [Adapter] extends [Port] ? true : false;

export type RedisPortsConform = [
  Assert<Satisfies<RedisEventStore, EventStore>>,
  Assert<Satisfies<RedisSnapshotStore, SnapshotStore>>,
  Assert<Satisfies<RedisCheckpointStore, CheckpointStore>>,
  Assert<Satisfies<RedisStorage, Storage>>,
  // Redis has no transaction around a caller's work: the optional method is absent.
  Assert<'saveCheckpointWith' extends keyof RedisCheckpointStore ? false : true>,
  // A user's ioredis client is accepted as it is.
  Assert<Satisfies<Redis, RedisLike>>,
  Assert<Satisfies<ReturnType<typeof openRedisStorage>, Promise<Storage>>>,
];
