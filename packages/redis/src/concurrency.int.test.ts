import { afterAll, expect, it } from 'vitest';
import type { Position, RecordedEvent, StreamId } from '@evented/core';
import { isEventedError, START } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import type { RedisStorage } from '@evented/redis';
import { deleteKeys, probeRedis, TestStorages, uniquePrefix } from './redis-test.fixture.js';

const WRITERS = 8;
const ATTEMPTS = 40;
const STREAMS = 3;

interface Win {
  readonly writer: number;
  readonly attempt: number;
  readonly aggregateId: string;
  /** The version the writer read and expected. */
  readonly expected: number;
  readonly versions: readonly number[];
  readonly positions: readonly Position[];
}

const storages = new TestStorages();
afterAll(() => storages.dispose());

/** Opens `count` storages, each with its own connections, on one prefix. */
async function clients(prefix: string, count: number): Promise<RedisStorage[]> {
  return Promise.all(Array.from({ length: count }, () => storages.open({ prefix })));
}

/** Follows the log live, with `waitForEvents`, until it has seen `expected()` events. */
async function follow(storage: RedisStorage, expected: () => number | undefined) {
  const seen: RecordedEvent[] = [];
  let after = START;
  for (;;) {
    const page = await storage.eventStore.readAll({ after, limit: 7 });
    seen.push(...page.events);
    after = page.position;
    const total = expected();
    if (total !== undefined && seen.length >= total) return seen;
    if (page.isEnd) await storage.eventStore.waitForEvents(after, { timeoutMs: 1_000 });
  }
}

describeWithService('Redis: concurrent clients', await probeRedis(), () => {
  it('let exactly one writer win each version, without gaps, and a live reader see each event once', async () => {
    const prefix = uniquePrefix('race');
    const writers = await clients(prefix, WRITERS);
    const [reader] = await clients(prefix, 1);
    try {
      let total: number | undefined = undefined;
      const following = follow(reader!, () => total);
      const errors: unknown[] = [];
      let conflicts = 0;
      const wins: Win[] = [];
      await Promise.all(
        writers.map(async (storage, writer) => {
          for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
            const stream: StreamId = { domain: 'race', aggregateId: `s-${attempt % STREAMS}` };
            const version = await storage.eventStore.streamVersion(stream);
            const events = Array.from({ length: 1 + (attempt % 2) }, (_, part) => ({
              type: 'Raced',
              data: { writer, attempt, part },
            }));
            try {
              const result = await storage.eventStore.appendToStream(stream, events, {
                expectedVersion: version,
              });
              wins.push({
                writer,
                attempt,
                aggregateId: stream.aggregateId,
                expected: version,
                versions: result.events.map((e) => e.version),
                positions: result.events.map((e) => e.position),
              });
            } catch (error) {
              if (isEventedError(error, 'CONCURRENCY_CONFLICT')) conflicts += 1;
              else errors.push(error);
            }
          }
        }),
      );
      expect(errors).toEqual([]);
      expect(wins.length + conflicts).toBe(WRITERS * ATTEMPTS);
      expect(conflicts, 'the writers did not race').toBeGreaterThan(0);
      total = wins.reduce((sum, w) => sum + w.versions.length, 0);
      const started = Date.now();
      const seen = await following;
      expect(Date.now() - started, 'the reader lagged behind').toBeLessThan(2_000);

      // One winner per version: no two writers were told they wrote the same one.
      const winners = new Map<string, Win>();
      for (const win of wins) {
        // A win is exactly where the writer expected: right after the version it read.
        expect(win.versions).toEqual(win.versions.map((_, i) => win.expected + i + 1));
        for (const version of win.versions) {
          const key = `${win.aggregateId}@${version}`;
          expect(winners.has(key), `two writers were told they wrote ${key}`).toBe(false);
          winners.set(key, win);
        }
      }
      const store = reader!.eventStore;
      let stored = 0;
      for (let s = 0; s < STREAMS; s++) {
        const stream = { domain: 'race', aggregateId: `s-${s}` };
        const events = await store.readStream(stream);
        stored += events.length;
        expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
        for (const event of events) {
          const win = winners.get(`${stream.aggregateId}@${event.version}`);
          expect(win, `nobody was told they wrote version ${event.version}`).toBeDefined();
          expect(event.data).toMatchObject({ writer: win!.writer, attempt: win!.attempt });
          expect(win!.positions).toContain(event.position);
        }
      }
      expect(stored).toBe(total);
      // The live reader saw the whole log once, in order, and the log is dense.
      expect(seen.map((e) => e.position)).toEqual(seen.map((_, i) => BigInt(i + 1)));
      expect(seen).toHaveLength(total);
      expect(await store.headPosition()).toBe(BigInt(total));
    } finally {
      await Promise.all([...writers, reader!].map((s) => s.close()));
      await deleteKeys(storages.admin, prefix);
    }
  });

  it('append a command sent by several clients at once exactly once', async () => {
    const prefix = uniquePrefix('command-race');
    const senders = await clients(prefix, WRITERS);
    try {
      const stream = { domain: 'race', aggregateId: 'once' };
      const results = await Promise.all(
        senders.map((storage, sender) =>
          storage.eventStore.appendToStream(
            stream,
            [
              { type: 'Sent', data: { sender } },
              { type: 'Sent', data: { sender } },
            ],
            { expectedVersion: 'any', commandId: 'the-command' },
          ),
        ),
      );
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      for (const result of results) expect(result.events).toEqual(results[0]!.events);
      expect(await senders[0]!.eventStore.streamVersion(stream)).toBe(2);
      expect(await senders[0]!.eventStore.headPosition()).toBe(2n);
    } finally {
      await Promise.all(senders.map((s) => s.close()));
      await deleteKeys(storages.admin, prefix);
    }
  });
});
