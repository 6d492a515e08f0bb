import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { describeWithService, probeService } from '@evented/conformance';
import { cli, killServers, serve } from './cli-process.fixture.js';

// The password is ignored by the trust authentication here; it must never reach a log line.
const POSTGRES = 'postgres://postgres:hunter2@127.0.0.1:5432/test';
const REDIS = 'redis://127.0.0.1:6379';

afterEach(killServers);

const postgres = await probeService('PostgreSQL', async () => {
  const client = new pg.Client(POSTGRES);
  await client.connect();
  await client.end();
});
const redis = await probeService('Redis', async () => {
  const client = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
  await client.quit();
});

/** Serves the bank on a store, dispatches, restarts, and reads the events back. */
async function roundTrip(storeArgs: string[]): Promise<void> {
  const args = ['--listen', '127.0.0.1:0', '--http', 'off', ...storeArgs];
  const first = await serve(args);
  expect(JSON.stringify(first.logs)).not.toContain('hunter2');
  const at = ['--server', first.grpc];
  expect(
    await cli(['dispatch', 'account', 'ann', 'OpenAccount', '{"owner":"Ann"}', ...at]),
  ).toMatchObject({ code: 0 });
  const deposit = await cli([
    'dispatch',
    'account',
    'ann',
    'Deposit',
    '{"amount":25}',
    '--wait-for',
    'transfers',
    ...at,
  ]);
  expect(deposit.stdout).toMatch(/v2 Deposited \{"amount":25\}\nversion 2\n$/);
  expect((await first.stop()).code).toBe(0);

  const second = await serve(args);
  const events = await cli(['events', 'account', 'ann', '--server', second.grpc]);
  expect(events.stdout).toMatch(/v1 AccountOpened .*\n.*v2 Deposited \{"amount":25\}\n$/);
  const withdraw = await cli([
    'dispatch',
    'account',
    'ann',
    'Withdraw',
    '{"amount":30}',
    '--server',
    second.grpc,
  ]);
  expect(withdraw.stderr).toMatch(/^error COMMAND_REJECTED: .*insufficient funds/);
}

describeWithService('evented serve on PostgreSQL', postgres, () => {
  it('keeps the events in its schema across a restart', async () => {
    const schema = `serve_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    try {
      await roundTrip(['--store', POSTGRES, '--postgres-schema', schema]);
    } finally {
      const client = new pg.Client(POSTGRES);
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});

describeWithService('evented store migrate on PostgreSQL', postgres, () => {
  it('creates the schema once, then finds it up to date', async () => {
    const schema = `migrate_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const migrate = ['store', 'migrate', '--store', POSTGRES, '--postgres-schema', schema];
    try {
      const first = await cli(migrate);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toMatch(new RegExp(`schema ${schema}: version 0 -> [1-9]\\d*\n$`));
      expect((await cli(migrate)).stdout).toMatch(/version ([1-9]\d*) -> \1\n$/);
      expect(first.stdout).not.toContain('postgres@');
    } finally {
      const client = new pg.Client(POSTGRES);
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});

describeWithService('evented serve on Redis', redis, () => {
  it('keeps the events under its prefix across a restart', async () => {
    const prefix = `serve-${randomUUID()}:`;
    try {
      await roundTrip(['--store', REDIS, '--redis-prefix', prefix]);
    } finally {
      const client = new Redis(REDIS);
      const keys = await client.keys(`*${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
      await client.quit();
    }
  });
});
