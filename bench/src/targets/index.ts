import { emmettPostgres } from './emmett-postgres.js';
import { emmettSqlite } from './emmett-sqlite.js';
import { eventedGrpcC1, eventedGrpcC16, eventedGrpcRemoteC16 } from './evented-grpc.js';
import { eventedPostgres } from './evented-postgres.js';
import { eventedRedis } from './evented-redis.js';
import { eventedSqlite } from './evented-sqlite.js';
import { rawPostgres } from './raw-postgres.js';
import { rawRedis } from './raw-redis.js';
import { rawSqlite } from './raw-sqlite.js';
import type { TargetInfo, TargetName } from './target.js';

/** Every target, in the order the report lists them. */
export const targets: Readonly<Record<TargetName, TargetInfo>> = {
  'evented-sqlite': eventedSqlite,
  'raw-sqlite': rawSqlite,
  'emmett-sqlite': emmettSqlite,
  'evented-postgres': eventedPostgres,
  'raw-postgres': rawPostgres,
  'emmett-postgres': emmettPostgres,
  'evented-redis': eventedRedis,
  'raw-redis': rawRedis,
  'evented-grpc-c1': eventedGrpcC1,
  'evented-grpc-c16': eventedGrpcC16,
  'evented-grpc-remote-c16': eventedGrpcRemoteC16,
};

/** Whether a string names a target. */
export const isTargetName = (name: string): name is TargetName => name in targets;
