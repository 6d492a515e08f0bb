import { afterEach, expect, it } from 'vitest';
import { describeWithService, expectCode } from '@evented/conformance';
import type { PostgresStorage } from '@evented/postgres';
import { migratePostgres, openPostgresStorage, POSTGRES_SCHEMA_VERSION } from '@evented/postgres';
import {
  adminPool,
  dropSchema,
  POSTGRES_URL,
  postgres,
  uniqueSchema,
  useDatabaseLock,
} from './test-support/postgres-service.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function freshSchema(): string {
  const schema = uniqueSchema('schema');
  cleanups.push(() => dropSchema(schema));
  return schema;
}

// Every migration up to this package's version, each applied once.
const ALL_MIGRATIONS = Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1);

async function migrationsOf(schema: string) {
  const { rows } = await adminPool().query<{ version: number }>(
    `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
  );
  return rows.map((row) => row.version);
}

describeWithService('PostgreSQL schema migrations', postgres, () => {
  useDatabaseLock('shared');

  it('migrates once when eight processes open a new schema at the same moment', async () => {
    const schema = freshSchema();
    const storages = await Promise.all(
      Array.from({ length: 8 }, () =>
        openPostgresStorage(POSTGRES_URL, { schema, maxConnections: 1 }),
      ),
    );
    cleanups.push(async () => {
      for (const storage of storages) await storage.close();
    });
    expect(await migrationsOf(schema)).toEqual(ALL_MIGRATIONS);
    const stream = { domain: 'order', aggregateId: 'o-1' };
    await storages[0]!.eventStore.appendToStream(stream, [{ type: 'Placed', data: 1 }], {
      expectedVersion: 0,
    });
    expect(await storages[7]!.eventStore.streamVersion(stream)).toBe(1);
  });

  it('migrates with migratePostgres, then opens with migrate: false; running it again changes nothing', async () => {
    const schema = freshSchema();
    await expectCode(
      openPostgresStorage(POSTGRES_URL, { schema, migrate: false }),
      'CONFIGURATION',
    );
    expect(await migratePostgres(POSTGRES_URL, { schema })).toEqual({
      schema,
      fromVersion: 0,
      toVersion: POSTGRES_SCHEMA_VERSION,
    });
    expect(await migratePostgres(POSTGRES_URL, { schema })).toEqual({
      schema,
      fromVersion: POSTGRES_SCHEMA_VERSION,
      toVersion: POSTGRES_SCHEMA_VERSION,
    });
    const storage = await openPostgresStorage(POSTGRES_URL, { schema, migrate: false });
    cleanups.push(() => storage.close());
    expect(await storage.eventStore.headPosition()).toBe(0n);
    expect(await migrationsOf(schema)).toEqual(ALL_MIGRATIONS);
  });

  it('migrates into a schema an administrator created, through a pool the application owns', async () => {
    const schema = freshSchema();
    await adminPool().query(`CREATE SCHEMA "${schema}"`);
    let storage: PostgresStorage | undefined;
    try {
      storage = await openPostgresStorage(adminPool(), { schema });
      await storage.eventStore.appendToStream(
        { domain: 'order', aggregateId: 'o-1' },
        [{ type: 'Placed', data: 1 }],
        { expectedVersion: 0 },
      );
    } finally {
      await storage?.close();
    }
    // The application's pool is still open after close.
    const { rows } = await adminPool().query(`SELECT count(*)::int AS n FROM "${schema}".events`);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('refuses a schema written by a newer evented, with or without migrating', async () => {
    const schema = freshSchema();
    await migratePostgres(POSTGRES_URL, { schema });
    await adminPool().query(
      `INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, 'from the future')`,
      [POSTGRES_SCHEMA_VERSION + 1],
    );
    await expectCode(openPostgresStorage(POSTGRES_URL, { schema }), 'CONFIGURATION');
    await expectCode(
      openPostgresStorage(POSTGRES_URL, { schema, migrate: false }),
      'CONFIGURATION',
    );
    await expectCode(migratePostgres(POSTGRES_URL, { schema }), 'CONFIGURATION');
  });

  it('refuses options it cannot honour with CONFIGURATION', async () => {
    await expectCode(
      openPostgresStorage(POSTGRES_URL, { limits: { maxEventsPerAppend: 2 ** 20 + 1 } }),
      'CONFIGURATION',
    );
    await expectCode(openPostgresStorage(POSTGRES_URL, { pollIntervalMs: 0 }), 'CONFIGURATION');
    await expectCode(openPostgresStorage(POSTGRES_URL, { maxConnections: 1.5 }), 'CONFIGURATION');
    await expectCode(
      openPostgresStorage({} as unknown as string, { schema: freshSchema() }),
      'CONFIGURATION',
    );
  });
});
