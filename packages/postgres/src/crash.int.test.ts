import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import type { Position, RecordedEvent } from '@evented/core';
import { START } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import { migratePostgres, openPostgresStorage, POSTGRES_SCHEMA_VERSION } from '@evented/postgres';
import {
  adminPool,
  dropSchema,
  POSTGRES_URL,
  postgres,
  uniqueSchema,
  useDatabaseLock,
} from './test-support/postgres-service.js';

const writer = fileURLToPath(new URL('../test-fixtures/held-writer.mjs', import.meta.url));
const STREAMS = 3;

/** One acknowledged append, as the child reported it. */
interface Ack {
  readonly n: number;
  readonly duplicate: boolean;
  readonly events: readonly { id: string; version: number; position: string }[];
}

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Runs the writer until `killNow` says so after a line of its stdout; returns its complete lines. */
function runUntilKilled(args: readonly string[], killNow: (lines: readonly string[]) => boolean) {
  const child = spawn(process.execPath, [writer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  let pending = '';
  let stderr = '';
  let killed = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop()!; // an unfinished line does not count
    lines.push(...parts);
    if (!killed && killNow(lines)) killed = child.kill('SIGKILL');
  });
  return new Promise<string[]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL' && killed) resolve(lines);
      else reject(new Error(`the writer ended by itself (${code ?? signal}): ${stderr}`));
    });
  });
}

/** Waits until the killed writer's connections are gone, its open transaction aborted. */
async function waitForWriterBackends(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await adminPool().query<{ count: string }>(
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'evented-crash-writer'",
    );
    if (rows[0]!.count === '0') return;
    if (Date.now() > deadline) throw new Error('the killed writer’s backends are still there');
    await sleep(10);
  }
}

async function readLog(schema: string): Promise<RecordedEvent[]> {
  const storage = await openPostgresStorage(POSTGRES_URL, { schema, migrate: false });
  try {
    const log: RecordedEvent[] = [];
    for (let after: Position = START; ;) {
      const page = await storage.eventStore.readAll({ after, limit: 500 });
      log.push(...page.events);
      if (page.isEnd) return log;
      after = page.position;
    }
  } finally {
    await storage.close();
  }
}

/** What an event of the writer carries: its append's number, its index and the batch size. */
const dataOf = (event: RecordedEvent) => event.data as { n: number; i: number; count: number };

describeWithService('PostgreSQL: a writer killed with SIGKILL', postgres, () => {
  // The writer holds transactions open on purpose, which delays every reader of the cluster.
  useDatabaseLock('exclusive');

  it('leaves no partial append visible and every acknowledged one, kill after kill', async () => {
    const schema = uniqueSchema('crash');
    cleanups.push(() => dropSchema(schema));
    // The child opens with migrate: false, as a deployment that migrates separately does.
    expect(await migratePostgres(POSTGRES_URL, { schema })).toEqual({
      schema,
      fromVersion: 0,
      toVersion: POSTGRES_SCHEMA_VERSION,
    });

    const acks = new Map<number, Ack>();
    let next = 0;
    for (let round = 0; round < 4; round++) {
      const inRound = (lines: readonly string[]) => lines.filter((l) => l.includes('"n"')).length;
      // Mostly while an append's transaction is open after its statement; once at a random
      // moment, which may land inside a statement, between statements or in the ack.
      const atRandom = round === 2;
      const lines = await runUntilKilled(
        [POSTGRES_URL, schema, String(STREAMS), String(next)],
        (l) => {
          if (inRound(l) < 6) return false;
          if (!atRandom) return l.at(-1)!.includes('holding');
          const until = performance.now() + Math.random() * 5;
          while (performance.now() < until);
          return true;
        },
      );
      const parsed = lines.map((line) => JSON.parse(line) as Ack | { holding: number });
      for (const line of parsed) if ('n' in line) acks.set(line.n, line);
      const last = parsed.at(-1)!;
      const heldAtKill = 'holding' in last ? last.holding : undefined;
      if (!atRandom) expect(heldAtKill, `round ${round} was killed mid-transaction`).toBeDefined();
      // The next run sends the append that was in flight again, with the same command id.
      next = Math.max(...acks.keys()) + 1;
      await waitForWriterBackends();

      const log = await readLog(schema);
      const byAppend = new Map<number, RecordedEvent[]>();
      for (const event of log) {
        const n = dataOf(event).n;
        byAppend.set(n, [...(byAppend.get(n) ?? []), event]);
      }
      if (heldAtKill !== undefined) {
        expect(byAppend.has(heldAtKill), `append ${heldAtKill} never committed`).toBe(false);
      }
      // All or nothing: every append in the log has all its events, in one stream, in order.
      for (const [n, events] of byAppend) {
        expect(
          events.map((e) => dataOf(e).i),
          `append ${n}`,
        ).toEqual(Array.from({ length: dataOf(events[0]!).count }, (_, i) => i));
        expect(new Set(events.map((e) => e.aggregateId)).size).toBe(1);
        const versions = events.map((e) => e.version);
        expect(versions).toEqual(versions.map((_, i) => versions[0]! + i));
      }
      // Every acknowledged append is there, exactly as acknowledged.
      const logged = new Map(log.map((e) => [e.id, e]));
      for (const ack of acks.values()) {
        for (const event of ack.events) {
          expect(logged.get(event.id), `acknowledged append ${ack.n}`).toMatchObject({
            version: event.version,
            position: BigInt(event.position),
          });
        }
      }
      // Nothing else: an append in the log was acknowledged, or is the one in flight at a
      // random kill (committed, killed before its ack was written).
      const unacknowledged = [...byAppend.keys()].filter((n) => !acks.has(n));
      expect(unacknowledged.length, `round ${round}`).toBeLessThanOrEqual(atRandom ? 1 : 0);
      for (let s = 0; s < STREAMS; s++) {
        const versions = log.filter((e) => e.aggregateId === `s-${s}`).map((e) => e.version);
        expect(versions, `stream s-${s} has no gap`).toEqual(versions.map((_, i) => i + 1));
      }
      for (let i = 1; i < log.length; i++)
        expect(log[i]!.position > log[i - 1]!.position).toBe(true);
    }
    expect(acks.size).toBeGreaterThanOrEqual(24);
  }, 60_000);
});
