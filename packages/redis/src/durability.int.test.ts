import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import type { EventStore, RecordedEvent } from '@evented/core';
import { isEventedError, START } from '@evented/core';
import { describeWithService, probeService } from '@evented/conformance';
import { openRedisStorage } from '@evented/redis';
import type { RedisStorage } from '@evented/redis';
import { probeRedis, TestStorages, uniquePrefix } from './redis-test.fixture.js';

/** What a writer was told: the append of one batch of three events succeeded. */
interface Ack {
  readonly aggregateId: string;
  readonly version: number;
  readonly ids: readonly string[];
  readonly positions: readonly string[];
}

const BATCH = 3;
const writerScript = fileURLToPath(new URL('../test-fixtures/batch-writer.mjs', import.meta.url));
const storages = new TestStorages();
const children = new Set<ChildProcess>();
const dirs: string[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await storages.dispose();
});

async function readWholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let page = await store.readAll({ limit: 500 }); ;) {
    events.push(...page.events);
    if (page.isEnd) return events;
    page = await store.readAll({ after: page.position, limit: 500 });
  }
}

/**
 * Every acknowledged append is there with its ids and positions; every stream holds whole
 * batches only, versions 1..n; the log is dense, 1..head, and holds exactly the streams' events.
 */
async function expectAcknowledgedAndWhole(store: EventStore, acks: readonly Ack[]) {
  const log = await readWholeLog(store);
  expect(log.map((e) => e.position)).toEqual(log.map((_, i) => BigInt(i + 1)));
  expect(await store.headPosition()).toBe(log.at(-1)?.position ?? START);
  const streams = [...new Set(log.map((e) => e.aggregateId))];
  let total = 0;
  for (const aggregateId of streams) {
    const events = await store.readStream({ domain: 'crash', aggregateId });
    total += events.length;
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    expect(events.length % BATCH, `${aggregateId} holds part of a batch`).toBe(0);
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events
        .slice(i, i + BATCH)
        .map((e) => e.data as { batch: number; part: number });
      expect(batch.map((d) => d.part)).toEqual([0, 1, 2]);
      expect(new Set(batch.map((d) => d.batch)).size).toBe(1);
    }
  }
  expect(total).toBe(log.length);
  for (const ack of acks) {
    const events = await store.readStream(
      { domain: 'crash', aggregateId: ack.aggregateId },
      { fromVersion: ack.version - BATCH + 1, limit: BATCH },
    );
    expect(
      events.map((e) => e.id),
      `acknowledged ${ack.aggregateId}@${ack.version}`,
    ).toEqual(ack.ids);
    expect(events.map((e) => String(e.position))).toEqual(ack.positions);
  }
  return log.length;
}

/** Runs the batch writer until it has acknowledged `count` appends, then kills it with SIGKILL. */
function runWriterUntilKilled(url: string, prefix: string, count: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [writerScript, url, prefix, '4'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const acks: Ack[] = [];
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) acks.push(JSON.parse(line) as Ack);
      if (acks.length >= count && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`the writer exited with ${code}: ${stderr}`));
    });
  });
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of this test's own, with AOF synced on every write, in `dir`. */
async function startRedis(dir: string, port: number): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(server);
  server.on('exit', () => children.delete(server));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return server;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}

function stop(server: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) return resolve();
    server.once('exit', () => resolve());
    server.kill(signal);
  });
}

describeWithService('Redis: a writer killed mid-append', await probeRedis(), () => {
  it('leaves every acknowledged append and no part of any other', async () => {
    const prefix = uniquePrefix('writer-kill');
    const acks = await runWriterUntilKilled(storages.url, prefix, 150);
    const storage = await storages.open({ prefix });
    try {
      const logged = await expectAcknowledgedAndWhole(storage.eventStore, acks);
      expect(logged).toBeGreaterThanOrEqual(acks.length * BATCH);
    } finally {
      await storage.close();
    }
  });
});

const redisServer = await probeService('redis-server', async () => {
  const { error, status } = spawnSync('redis-server', ['--version']);
  if (error || status !== 0)
    throw error ?? new Error(`redis-server --version exited with ${status}`);
});

describeWithService('Redis: a server with appendfsync always, killed', redisServer, () => {
  it('keeps every acknowledged append through SIGKILL and restart, and no partial batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evented-redis-aof-'));
    dirs.push(dir);
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let server = await startRedis(dir, port);
    const storage = await openRedisStorage(url, { requireDurability: true });
    const acks: Ack[] = [];
    const failures: unknown[] = [];
    let stopped = false;
    const writer = async (w: number): Promise<void> => {
      const stream = { domain: 'crash', aggregateId: `writer-${w}` };
      for (let batch = 0; !stopped; batch++) {
        const events = [0, 1, 2].map((part) => ({
          id: randomUUID(),
          type: 'Part',
          data: { writer: w, batch, part },
        }));
        try {
          const result = await storage.eventStore.appendToStream(stream, events, {
            expectedVersion: batch * BATCH,
          });
          acks.push({
            aggregateId: stream.aggregateId,
            version: result.version,
            ids: result.events.map((e) => e.id),
            positions: result.events.map((e) => String(e.position)),
          });
        } catch (error) {
          failures.push(error);
          return;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acks.length < 200 && failures.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await stop(server, 'SIGKILL');
    stopped = true;
    const acknowledgedBeforeKill = acks.length;
    server = await startRedis(dir, port);
    await Promise.all(writers);
    await storage.close();

    // A call cut off by the crash fails with a typed error, never a raw ioredis one.
    for (const failure of failures) expect(isEventedError(failure, 'UNAVAILABLE')).toBe(true);
    expect(acknowledgedBeforeKill).toBeGreaterThanOrEqual(200);

    const reopened: RedisStorage = await openRedisStorage(url, { requireDurability: true });
    try {
      expect((await reopened.durability()).problems).toEqual([]);
      const logged = await expectAcknowledgedAndWhole(reopened.eventStore, acks);
      // The restarted server goes on from the recovered head.
      const stream = { domain: 'crash', aggregateId: 'after-restart' };
      const next = await reopened.eventStore.appendToStream(
        stream,
        [0, 1, 2].map((part) => ({ type: 'Part', data: { batch: 0, part } })),
        { expectedVersion: 0 },
      );
      expect(next.events[0]!.position).toBe(BigInt(logged + 1));
    } finally {
      await reopened.close();
      await stop(server, 'SIGTERM');
    }
  });

  it('wakes a reader that was waiting through the restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evented-redis-aof-'));
    dirs.push(dir);
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let server = await startRedis(dir, port);
    const reader = await openRedisStorage(url);
    try {
      const stream = { domain: 'crash', aggregateId: 'wake' };
      await reader.eventStore.appendToStream(stream, [{ type: 'Before', data: {} }], {
        expectedVersion: 0,
      });
      const waiting = reader.eventStore.waitForEvents(1n, { timeoutMs: 15_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await stop(server, 'SIGKILL');
      server = await startRedis(dir, port);
      const writer = await openRedisStorage(url);
      const started = Date.now();
      await writer.eventStore.appendToStream(stream, [{ type: 'After', data: {} }], {
        expectedVersion: 1,
      });
      await writer.close();
      expect(await waiting).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await reader.close();
      await stop(server, 'SIGTERM');
    }
  });
});
