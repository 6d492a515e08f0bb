import { EventedError } from '../errors/evented-error.js';
import type { Limits } from '../validation/limits.js';
import type { Storage } from './storage.js';
import type { SqliteStorageConfig, StorageConfig } from './storage-config.js';

interface SqliteAdapterModule {
  openSqliteStorage(path: string, options: object): Promise<Storage>;
}

interface PostgresAdapterModule {
  openPostgresStorage(url: string, options: object): Promise<Storage>;
}

interface RedisAdapterModule {
  openRedisStorage(url: string, options: object): Promise<Storage>;
}

/**
 * Opens the storage a config names. Adapters are separate packages, loaded by name only
 * when configured, so that core depends on no database driver.
 */
export async function openStorage(config: StorageConfig, limits: Limits): Promise<Storage> {
  if (typeof config === 'function') return config();
  if (config?.kind === 'sqlite') return openSqlite(config, limits);
  if (config?.kind === 'postgres') {
    const adapter = await loadAdapter<PostgresAdapterModule>('@evented/postgres');
    return adapter.openPostgresStorage(config.url, {
      limits,
      ...(config.schema !== undefined && { schema: config.schema }),
    });
  }
  if (config?.kind === 'redis') {
    const adapter = await loadAdapter<RedisAdapterModule>('@evented/redis');
    return adapter.openRedisStorage(config.url, {
      limits,
      ...(config.prefix !== undefined && { prefix: config.prefix }),
    });
  }
  throw new EventedError(
    'CONFIGURATION',
    `unknown storage kind ${String((config as { kind?: unknown })?.kind)}`,
    {
      field: 'storage',
    },
  );
}

async function openSqlite(config: SqliteStorageConfig, limits: Limits): Promise<Storage> {
  const adapter = await loadAdapter<SqliteAdapterModule>('@evented/sqlite');
  return adapter.openSqliteStorage(config.path, {
    limits,
    ...(config.synchronous !== undefined && { synchronous: config.synchronous }),
  });
}

async function loadAdapter<Module>(name: string): Promise<Module> {
  try {
    return (await import(name)) as Module;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(name)) {
      throw new EventedError(
        'CONFIGURATION',
        `this storage needs the package ${name}: npm install ${name}`,
        {
          package: name,
        },
      );
    }
    throw error;
  }
}
