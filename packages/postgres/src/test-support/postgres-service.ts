// The one helper the PostgreSQL tests connect through: the server's URL, whether it can be
// reached, a fresh schema per storage (dropped when the storage closes), and a lock that
// keeps the tests holding transactions open from running beside the others.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { probeService } from '@evented/conformance';
import type { PostgresStorage, PostgresStorageOptions } from '@evented/postgres';
import { openPostgresStorage } from '@evented/postgres';

/** The test server; `EVENTED_POSTGRES_URL` overrides it. */
export const POSTGRES_URL =
  process.env['EVENTED_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether the server answers; pass to `describeWithService`. */
export const postgres = await probeService('PostgreSQL', async () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
});

let admin: pg.Pool | undefined;

/** A small pool for the tests' own SQL (dropping schemas, inspecting tables). */
export function adminPool(): pg.Pool {
  if (!admin) {
    admin = new pg.Pool({
      connectionString: POSTGRES_URL,
      max: 4,
      idleTimeoutMillis: 1000,
      allowExitOnIdle: true,
    });
    admin.on('error', () => undefined);
  }
  return admin;
}

/** A schema name no other test uses. */
export function uniqueSchema(label = 't'): string {
  return `evented_test_${label}_${randomBytes(5).toString('hex')}`;
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/**
 * Opens a storage on a fresh schema (its own small pool) whose `close` also drops the
 * schema.
 */
export async function openTestStorage(
  options: PostgresStorageOptions = {},
): Promise<PostgresStorage> {
  const schema = options.schema ?? uniqueSchema();
  const storage = await openPostgresStorage(POSTGRES_URL, {
    maxConnections: 4,
    ...options,
    schema,
  });
  const close = storage.close.bind(storage);
  let dropped: Promise<void> | undefined;
  storage.close = () => {
    dropped ??= close().then(() => dropSchema(schema));
    return dropped;
  };
  return storage;
}

/**
 * A conformance factory: each call returns a storage on a fresh, empty schema. Opening one
 * (a connection and the migration's DDL) costs about 20 ms, so the next few are opened while
 * the current test runs, and dropping a closed one's schema happens in the background too.
 * Call `cleanup` after the file's tests: it closes the spare and waits for every drop.
 */
export function freshStorages(
  options: PostgresStorageOptions = {},
  prefetch = Number(process.env['EVENTED_TEST_PREFETCH'] ?? 2),
): {
  factory: () => Promise<PostgresStorage>;
  cleanup: () => Promise<void>;
} {
  const drops = new Set<Promise<void>>();
  const open = async (): Promise<PostgresStorage> => {
    const schema = uniqueSchema();
    const storage = await openPostgresStorage(POSTGRES_URL, {
      maxConnections: 4,
      ...options,
      schema,
    });
    const close = storage.close.bind(storage);
    storage.close = async () => {
      await close();
      const drop = dropSchema(schema).finally(() => drops.delete(drop));
      drops.add(drop);
    };
    return storage;
  };
  const spares: Promise<PostgresStorage>[] = [];
  const refill = (): void => {
    while (spares.length < prefetch) {
      const spare = open();
      // A failed spare surfaces when it is taken, not as an unhandled rejection.
      spare.catch(() => undefined);
      spares.push(spare);
    }
  };
  return {
    factory: async () => {
      refill();
      const next = spares.shift()!;
      refill();
      return next;
    },
    cleanup: async () => {
      const left = spares.splice(0);
      await Promise.all(
        left.map((s) => s.then((storage) => storage.close()).catch(() => undefined)),
      );
      await Promise.all([...drops]);
    },
  };
}

/**
 * Takes a cluster-wide advisory lock for the tests of the enclosing `describe`: `'exclusive'`
 * for tests that hold transactions open on purpose (they delay every reader of the
 * cluster, by design), `'shared'` for the others, which may run beside each other.
 */
export function useDatabaseLock(mode: 'shared' | 'exclusive'): void {
  let client: pg.Client | undefined;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: POSTGRES_URL });
    client.on('error', () => undefined);
    await client.connect();
    const lock = mode === 'shared' ? 'pg_advisory_lock_shared' : 'pg_advisory_lock';
    await client.query(`SELECT ${lock}(hashtext('evented.tests'), 0)`);
  }, 180_000);
  afterAll(async () => {
    await client?.end().catch(() => undefined);
  });
}
