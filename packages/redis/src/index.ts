export {
  openRedisStorage,
  RedisStorage,
  defaultRedisStorageOptions,
  REDIS_MIN_VERSION,
} from './storage.js';
export type { RedisStorageOptions } from './storage.js';
export { RedisEventStore } from './event-store.js';
export { RedisSnapshotStore } from './snapshot-store.js';
export { RedisCheckpointStore } from './checkpoint-store.js';
export { RedisClaimStore } from './claim-store.js';
export { RedisDeadLetterStore } from './dead-letter-store.js';
export { defaultRedisConnectionOptions } from './connection.js';
export type { RedisLike } from './connection.js';
export type { RedisDurability } from './durability.js';
