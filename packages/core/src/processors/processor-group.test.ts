import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { counter } from '../command-handling/counter.fixture.js';
import type { RecordedEvent } from '../event-store/types.js';
import { Evented } from '../facade/evented.js';
import { silentLogger } from '../observability/logger.js';
import type { Projector } from './projector.js';

const opened = new Set<Evented>();
afterEach(async () => {
  await Promise.all([...opened].map((evented) => evented.close()));
  opened.clear();
});

const shared = { segments: 4, leaseMs: 300, batchSize: 20, retryBackoffMs: 1 } as const;

async function node(path: string, nodeId: string, seen: RecordedEvent[]) {
  const projector: Projector = {
    name: 'log',
    handle(event) {
      seen.push(event);
    },
  };
  const evented = await Evented.builder({
    storage: { kind: 'sqlite', path },
    logger: silentLogger,
    processors: shared,
    nodeId,
  })
    .withBusinessLogic('counter', counter)
    .withProjector(projector)
    .build();
  opened.add(evented);
  return evented;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(10);
  }
}

const segmentsOf = (evented: Evented) =>
  (evented.processors()[0]?.segments ?? []).map((segment) => segment.segment);

const add = (aggregateId: string) => ({
  domain: 'counter',
  aggregateId,
  type: 'Add',
  data: { by: 1 },
});

describe('a processor shared by nodes', () => {
  it('splits its segments between the nodes, each event handled once, in order per aggregate', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-group-')), 'app.db');
    const seenA: RecordedEvent[] = [];
    const seenB: RecordedEvent[] = [];
    const a = await node(path, 'node-a', seenA);
    await until(() => segmentsOf(a).length === 4, 'node a claims every segment');
    const b = await node(path, 'node-b', seenB);
    await until(
      () => segmentsOf(a).length === 2 && segmentsOf(b).length === 2,
      'the nodes split the segments',
    );
    expect([...segmentsOf(a), ...segmentsOf(b)].sort()).toEqual([0, 1, 2, 3]);

    const recorded: RecordedEvent[] = [];
    for (let i = 0; i < 60; i++) {
      const result = await a.dispatch(add(`c-${i % 12}`), { waitFor: ['log'] });
      recorded.push(...result.events);
    }
    await a.waitForProcessors();
    await b.waitForProcessors();

    const all = [...seenA, ...seenB];
    expect(all.map((event) => event.id).sort()).toEqual(recorded.map((event) => event.id).sort());
    expect(seenA.length).toBeGreaterThan(0);
    expect(seenB.length).toBeGreaterThan(0);
    for (const seen of [seenA, seenB]) {
      const versions = new Map<string, number>();
      for (const event of seen) {
        expect(event.version).toBe((versions.get(event.aggregateId) ?? 0) + 1);
        versions.set(event.aggregateId, event.version);
      }
    }
    const aggregatesOfA = new Set(seenA.map((event) => event.aggregateId));
    for (const event of seenB) expect(aggregatesOfA.has(event.aggregateId)).toBe(false);
  });

  it('takes over the segments of a node that leaves, from their checkpoints', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-group-')), 'app.db');
    const seenA: RecordedEvent[] = [];
    const seenB: RecordedEvent[] = [];
    const a = await node(path, 'node-a', seenA);
    const b = await node(path, 'node-b', seenB);
    await until(
      () => segmentsOf(a).length === 2 && segmentsOf(b).length === 2,
      'the nodes split the segments',
    );
    for (let i = 0; i < 20; i++) await a.dispatch(add(`c-${i}`), { waitFor: ['log'] });
    await b.close();
    opened.delete(b);
    await until(() => segmentsOf(a).length === 4, 'node a takes every segment');
    const handledByB = seenB.length;
    for (let i = 0; i < 20; i++) await a.dispatch(add(`c-${i}`), { waitFor: ['log'] });
    expect(seenB).toHaveLength(handledByB);
    expect(seenA.length + seenB.length).toBe(40);
    expect(new Set([...seenA, ...seenB].map((event) => event.id)).size).toBe(40);
  });

  it('waits for a segment another node works through its stored checkpoint', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-group-')), 'app.db');
    const seenB: RecordedEvent[] = [];
    const a = await node(path, 'node-a', []);
    const b = await node(path, 'node-b', seenB);
    await until(
      () => segmentsOf(a).length === 2 && segmentsOf(b).length === 2,
      'the nodes split the segments',
    );
    // Dispatched on a, waited for on a, handled on b for the aggregates of b's segments.
    for (let i = 0; i < 12; i++) {
      const result = await a.dispatch(add(`w-${i}`), { waitFor: ['log'] });
      const event = result.events[0]!;
      const mine = segmentsOf(b).length > 0 && seenB.some((seen) => seen.id === event.id);
      if (!mine) continue;
      expect(seenB.at(-1)?.id).toBe(event.id);
    }
    expect(seenB.length).toBeGreaterThan(0);
  });

  it('ends a wait begun before the segment claimed and loaded its checkpoint, with no new event', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-group-')), 'app.db');
    const first = await node(path, 'node-a', []);
    for (let i = 0; i < 8; i++) await first.dispatch(add(`c-${i}`), { waitFor: ['log'] });
    await first.close();
    opened.delete(first);
    // Reopened: the wait starts at once, while the claim loop has yet to start the segments.
    const again = await node(path, 'node-a', []);
    await again.waitForProcessors({ timeoutMs: 2_000 });
    expect(again.processors()[0]?.checkpoint).toBe(8n);
  });
});
