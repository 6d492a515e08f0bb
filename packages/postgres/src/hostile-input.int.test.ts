import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue, StreamId } from '@evented/core';
import { isEventedError } from '@evented/core';
import { describeWithService, expectCode } from '@evented/conformance';
import type { PostgresStorage } from '@evented/postgres';
import { openPostgresStorage } from '@evented/postgres';
import {
  adminPool,
  dropSchema,
  openTestStorage,
  POSTGRES_URL,
  postgres,
  uniqueSchema,
  useDatabaseLock,
} from './test-support/postgres-service.js';

const MiB = 1024 * 1024;

/** A sentinel the hostile strings aim at: a table in another schema, with one row. */
const sentinel = `evented_test_sentinel_${randomBytes(4).toString('hex')}`;

/** Ids aimed at the SQL evented writes, at pg's array literals and at this test's schemas. */
function hostileIds(schema: string): string[] {
  return [
    `"; DROP SCHEMA "${schema}" CASCADE; --`,
    `'); DELETE FROM "${sentinel}".victims; --`,
    `x' OR '1'='1`,
    `x$$; DROP TABLE "${schema}".events; $$`,
    `?$1 :1 @p`,
    `'||pg_sleep(10)||'`,
    `E'\\x41'`,
    `\\0 \\x00 %00`,
    `) OR 1=1 --`,
    `NULL`,
    `null`,
    `DEFAULT`,
    `{a,b}`,
    `{"a","b"}`,
    `a,b`,
    `"`,
    `\\`,
    `\\"`,
    `'`,
    `*`,
    `ʼ＇"”`,
    `${schema}.events`,
    `pg_notify('${schema}_events', '')`,
    `LISTEN x; NOTIFY x`,
    `\u2028\u2029`,
    'x'.repeat(256),
  ];
}

/** JSON that breaks careless stores: NUL escapes, SQL in keys and values, json operators. */
const hostileJson: JsonValue = {
  nul: 'a\u0000b',
  ['key\u0000with NUL']: ['\u0000', '\u0000\u0000'],
  "'); DROP TABLE events; --": "'); DROP TABLE events; --",
  '->>': '#>',
  '\\u0000': '\\u0000 spelled out',
  nested: { '': [null, true, 1.5e300, -0.000001, '"', '\\'] },
};

/** A string whose JSON takes close to `bytes`: hostile characters repeated. */
function bigHostileString(bytes: number): string {
  const unit = `'"\\\u0000;--😀é$1`;
  const unitBytes = Buffer.byteLength(JSON.stringify(unit)) - 2;
  return unit.repeat(Math.floor((bytes - 2) / unitBytes));
}

/** Everything in the schema's tables, plus the sentinel: what must not change. */
async function databaseState(schema: string) {
  const pool = adminPool();
  const tables = await pool.query<{ name: string }>(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
    [schema],
  );
  const contents: Record<string, unknown> = {};
  for (const { name } of tables.rows) {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest
       FROM "${schema}"."${name}" AS t`,
    );
    contents[name] = rows[0];
  }
  const victims = await pool.query(`SELECT name FROM "${sentinel}".victims`);
  const publicSchema = await pool.query("SELECT 1 FROM pg_namespace WHERE nspname = 'public'");
  return { contents, victims: victims.rows, public: publicSchema.rowCount };
}

describeWithService('PostgreSQL: hostile ids, metadata and payloads', postgres, () => {
  useDatabaseLock('shared');
  let storage: PostgresStorage;
  let schema: string;

  beforeAll(async () => {
    await adminPool().query(`CREATE SCHEMA "${sentinel}"`);
    await adminPool().query(`CREATE TABLE "${sentinel}".victims (name text)`);
    await adminPool().query(`INSERT INTO "${sentinel}".victims VALUES ('still here')`);
    storage = await openTestStorage();
    schema = storage.schema;
  });
  afterAll(async () => {
    await storage?.close();
    await dropSchema(sentinel);
  });

  it('stores every hostile id verbatim in every id field, processor name and snapshot', async () => {
    const { eventStore, snapshotStore, checkpointStore } = storage;
    const ids = hostileIds(schema);
    for (const [i, value] of ids.entries()) {
      const stream: StreamId = { domain: value, aggregateId: value };
      const { events } = await eventStore.appendToStream(
        stream,
        [{ type: value, data: { [value]: value }, metadata: { [value]: value } }],
        { expectedVersion: 0, commandId: value, correlationId: value, causationId: value },
      );
      expect(events[0]).toMatchObject({
        domain: value,
        aggregateId: value,
        type: value,
        data: { [value]: value },
        metadata: { [value]: value },
        correlationId: value,
        causationId: value,
      });
      expect(await eventStore.readStream(stream)).toEqual(events);
      expect(await eventStore.findCommand(value)).toMatchObject({ ...stream, toVersion: 1 });
      await checkpointStore.saveCheckpoint(value, events[0]!.position);
      expect(await checkpointStore.loadCheckpoint(value)).toBe(events[0]!.position);
      await snapshotStore.saveSnapshot({ ...stream, version: 1, state: { [value]: i } });
      expect((await snapshotStore.latestSnapshot(stream))?.state).toEqual({ [value]: i });
    }
    // One value and several at once (a bind parameter, and a pg array literal).
    for (const value of ids) {
      const page = await eventStore.readAll({ filter: { domains: [value], types: [value] } });
      expect(page.events.map((e) => e.domain)).toEqual([value]);
    }
    const page = await eventStore.readAll({ filter: { domains: ids, types: ids } });
    expect(page.events.map((e) => e.domain)).toEqual(ids);
    expect((await databaseState(schema)).victims).toEqual([{ name: 'still here' }]);
    expect(await eventStore.streamVersion({ domain: ids[0]!, aggregateId: ids[0]! })).toBe(1);
  });

  it('stores JSON with NUL escapes, SQL fragments and operators in keys and values verbatim', async () => {
    const stream = { domain: 'order', aggregateId: 'json' };
    const { events } = await storage.eventStore.appendToStream(
      stream,
      [{ type: 'Hostile', data: hostileJson, metadata: { value: hostileJson } }],
      { expectedVersion: 'any' },
    );
    const [read] = await storage.eventStore.readStream(stream);
    expect(read).toEqual(events[0]);
    expect(read!.data).toEqual(hostileJson);
    expect(read!.metadata).toEqual({ value: hostileJson });
    await storage.snapshotStore.saveSnapshot({ ...stream, version: 1, state: hostileJson });
    expect((await storage.snapshotStore.latestSnapshot(stream))?.state).toEqual(hostileJson);
  });

  it('stores a 1 MB hostile string as data and as snapshot state verbatim', async () => {
    const stream = { domain: 'order', aggregateId: 'big' };
    const big = bigHostileString(MiB);
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(MiB - 100);
    const { events } = await storage.eventStore.appendToStream(
      stream,
      [{ type: 'Big', data: big }],
      { expectedVersion: 'any' },
    );
    const [read] = await storage.eventStore.readStream(stream);
    expect(read!.data === big).toBe(true);
    expect(read).toEqual(events[0]);
    await storage.snapshotStore.saveSnapshot({ ...stream, version: 1, state: big });
    expect((await storage.snapshotStore.latestSnapshot(stream))?.state === big).toBe(true);
  });

  it('refuses, with the typed error and changing nothing, NUL in ids, oversized ids and metadata', async () => {
    const { eventStore, snapshotStore, checkpointStore } = storage;
    const stream = { domain: 'order', aggregateId: 'refused' };
    await eventStore.appendToStream(stream, [{ type: 'Seed', data: 0 }], {
      expectedVersion: 'any',
    });
    const before = await databaseState(schema);
    const withNul = `x\u0000'); DROP SCHEMA "${schema}" CASCADE; --`;
    const huge = `'`.repeat(MiB);
    const attempts: [string, () => Promise<unknown>, 'INVALID_ARGUMENT' | 'LIMIT_EXCEEDED'][] = [
      [
        'a NUL in an aggregate id',
        () =>
          eventStore.appendToStream({ ...stream, aggregateId: withNul }, [{ type: 'T', data: 1 }], {
            expectedVersion: 'any',
          }),
        'INVALID_ARGUMENT',
      ],
      [
        'a NUL in a type',
        () =>
          eventStore.appendToStream(stream, [{ type: withNul, data: 1 }], {
            expectedVersion: 'any',
          }),
        'INVALID_ARGUMENT',
      ],
      [
        'a NUL in a command id',
        () =>
          eventStore.appendToStream(stream, [{ type: 'T', data: 1 }], {
            expectedVersion: 'any',
            commandId: withNul,
          }),
        'INVALID_ARGUMENT',
      ],
      [
        'a NUL in a read',
        () => eventStore.readStream({ ...stream, domain: withNul }),
        'INVALID_ARGUMENT',
      ],
      [
        'a NUL in a filter',
        () => eventStore.readAll({ filter: { types: [withNul] } }),
        'INVALID_ARGUMENT',
      ],
      [
        'a NUL in a processor name',
        () => checkpointStore.saveCheckpoint(withNul, 0n),
        'INVALID_ARGUMENT',
      ],
      [
        'a NUL in a snapshot stream',
        () => snapshotStore.saveSnapshot({ ...stream, domain: withNul, version: 1, state: {} }),
        'INVALID_ARGUMENT',
      ],
      [
        'a 1 MB aggregate id',
        () =>
          eventStore.appendToStream({ ...stream, aggregateId: huge }, [{ type: 'T', data: 1 }], {
            expectedVersion: 'any',
          }),
        'LIMIT_EXCEEDED',
      ],
      [
        '1 MB of metadata',
        () =>
          eventStore.appendToStream(stream, [{ type: 'T', data: 1, metadata: { huge } }], {
            expectedVersion: 'any',
          }),
        'LIMIT_EXCEEDED',
      ],
      ['a 1 MB processor name', () => checkpointStore.saveCheckpoint(huge, 0n), 'LIMIT_EXCEEDED'],
    ];
    for (const [name, attempt, code] of attempts) {
      const error = await expectCode(attempt(), code);
      expect(isEventedError(error), name).toBe(true);
    }
    expect(await databaseState(schema)).toEqual(before);
  });

  it('stores 1 MB of hostile metadata verbatim where the limits allow it', async () => {
    const roomy = await openPostgresStorage(POSTGRES_URL, {
      schema,
      maxConnections: 2,
      limits: { maxMetadataBytes: 2 * MiB, maxEventDataBytes: 2 * MiB },
    });
    try {
      const big = bigHostileString(MiB);
      const stream = { domain: 'order', aggregateId: 'roomy' };
      const { events } = await roomy.eventStore.appendToStream(
        stream,
        [{ type: 'Big', data: { big }, metadata: { big } }],
        { expectedVersion: 'any' },
      );
      const [read] = await roomy.eventStore.readStream(stream);
      expect(read!.metadata['big'] === big).toBe(true);
      expect(read).toEqual(events[0]);
    } finally {
      await roomy.close();
    }
  });

  describe('the schema option', () => {
    it.each([
      ['an SQL injection', 'x"; DROP SCHEMA public CASCADE; --'],
      ['a quote', 'evented"'],
      ['a space', 'my schema'],
      ['a leading digit', '1evented'],
      ['the reserved pg_ prefix', 'pg_evented'],
      ['an empty name', ''],
      ['a name too long for its channel', 'e'.repeat(57)],
      ['a NUL', 'evented\u0000'],
    ])('refuses %s with CONFIGURATION before connecting', async (_, name) => {
      await expectCode(openPostgresStorage(POSTGRES_URL, { schema: name }), 'CONFIGURATION');
      const { rows } = await adminPool().query<{ name: string }>(
        `SELECT nspname AS name FROM pg_namespace WHERE nspname = 'public' OR nspname LIKE '%DROP%'
           OR nspname LIKE '%evented"%' OR nspname LIKE '% %' OR nspname = ANY($1)`,
        [[name.replaceAll('\u0000', ''), '1evented', 'pg_evented', 'e'.repeat(57)]],
      );
      expect(rows).toEqual([{ name: 'public' }]);
    });

    it('keeps upper-case letters: two schemas differing in case are two stores', async () => {
      const lower = uniqueSchema('case');
      const upper = lower.toUpperCase();
      const a = await openPostgresStorage(POSTGRES_URL, { schema: lower, maxConnections: 2 });
      const b = await openPostgresStorage(POSTGRES_URL, { schema: upper, maxConnections: 2 });
      try {
        const stream = { domain: 'order', aggregateId: 'o-1' };
        await a.eventStore.appendToStream(stream, [{ type: 'InLower', data: 1 }], {
          expectedVersion: 0,
        });
        await b.eventStore.appendToStream(stream, [{ type: 'InUpper', data: 1 }], {
          expectedVersion: 0,
        });
        expect((await a.eventStore.readStream(stream)).map((e) => e.type)).toEqual(['InLower']);
        expect((await b.eventStore.readStream(stream)).map((e) => e.type)).toEqual(['InUpper']);
      } finally {
        await a.close();
        await b.close();
        await dropSchema(lower);
        await dropSchema(upper);
      }
    });
  });
});
