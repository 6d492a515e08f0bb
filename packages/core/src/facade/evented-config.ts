import type { EventBus } from '../bus/event-bus.js';
import type {
  CommandRetryOptions,
  DomainRegistration,
} from '../command-handling/command-handler.js';
import type { Logger } from '../observability/logger.js';
import type { ProcessorOptions } from '../processors/processor.js';
import type { Projector } from '../processors/projector.js';
import type { Saga } from '../processors/saga.js';
import type { SnapshotWorkerOptions } from '../snapshotting/snapshot-worker.js';
import type { StorageConfig } from '../storage/storage-config.js';
import type { Upcaster } from '../upcasting/upcaster.js';
import type { Limits } from '../validation/limits.js';

/**
 * Everything an evented application is made of, as one plain object. `Evented.builder`,
 * and later the server's config file, produce it; `createEvented` runs it.
 */
export interface EventedConfig {
  readonly storage: StorageConfig;
  /** Business logic per domain. */
  readonly domains?: Readonly<Record<string, DomainRegistration>>;
  readonly projectors?: readonly Projector[];
  readonly sagas?: readonly Saga[];
  readonly commandRetry?: CommandRetryOptions;
  /**
   * Upcasters of stored events: every read (commands, processors, gRPC, the CLI) sees
   * events at their type's current schema version, and new events are stamped with it.
   */
  readonly upcasters?: readonly Upcaster[];
  /** The background worker that saves the snapshots of each domain's `snapshots` policy. */
  readonly snapshotWorker?: SnapshotWorkerOptions;
  readonly processors?: ProcessorOptions;
  /**
   * This process's id among the nodes sharing processors through the store's segment
   * claims; default `<host>:<pid>:<random>`, new on every start. Two live processes must
   * never share one. A process that restarts with the id it had resumes its segments at
   * once; with a new id it waits for its old claims' leases to end (`leaseMs`, 10 s by
   * default) after a crash. A stable id per deployment slot (a pod name, a systemd
   * instance) is the usual choice.
   */
  readonly nodeId?: string;
  readonly limits?: Partial<Limits>;
  /** Default: warnings and errors to stderr. Pass a pino logger, or `silentLogger`. */
  readonly logger?: Logger;
  /** Default: an `InProcessEventBus`. */
  readonly bus?: EventBus;
}

/** Factories of the usual configurations. */
export const EventedConfig = {
  /** SQLite in memory: for development and tests. Nothing survives the process. */
  inMemory(): EventedConfig {
    return { storage: { kind: 'sqlite', path: ':memory:' } };
  },
  /** SQLite in a file (WAL, `synchronous=FULL` unless `'normal'` is asked for). */
  sqlite(path: string, options: { synchronous?: 'full' | 'normal' } = {}): EventedConfig {
    return { storage: { kind: 'sqlite', path, ...options } };
  },
  /** PostgreSQL: `EventedConfig.postgres('postgres://localhost/app', { schema: 'billing' })`. */
  postgres(url: string, options: { schema?: string } = {}): EventedConfig {
    return { storage: { kind: 'postgres', url, ...options } };
  },
  /** Redis: `EventedConfig.redis('redis://localhost:6379')`; see `@evented/redis` on durability. */
  redis(url: string, options: { prefix?: string } = {}): EventedConfig {
    return { storage: { kind: 'redis', url, ...options } };
  },
} as const;
