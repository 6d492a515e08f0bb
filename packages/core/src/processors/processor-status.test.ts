import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '@evented/sqlite';
import { counter } from '../command-handling/counter.fixture.js';
import type { EventStore } from '../event-store/event-store.js';
import { Evented } from '../facade/evented.js';
import type { EventedConfig } from '../facade/evented-config.js';
import { silentLogger } from '../observability/logger.js';
import { LAG_READ_LIMIT, measureLag, positionAt } from './processor-lag.js';
import type { Projector } from './projector.js';

const opened = new Set<Evented>();
afterEach(async () => {
  await Promise.all([...opened].map((evented) => evented.close()));
  opened.clear();
});

async function app(projectors: Projector[], config: Partial<EventedConfig> = {}) {
  let builder = Evented.builder({
    storage: () => openSqliteStorage(),
    logger: silentLogger,
    processors: { batchSize: 10, retryBackoffMs: 1 },
    ...config,
  }).withBusinessLogic('counter', counter);
  for (const projector of projectors) builder = builder.withProjector(projector);
  const evented = await builder.build();
  opened.add(evented);
  return evented;
}

const add = (aggregateId: string) => ({
  domain: 'counter',
  aggregateId,
  type: 'Add',
  data: { by: 1 },
});

/** A projector that holds every event until `open()` is called. */
function gated(name: string) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const projector: Projector = {
    name,
    async handle() {
      await gate;
    },
  };
  return { projector, open };
}

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(5);
  }
}

/** Appends `count` events to the store directly, `perAppend` at a time. */
async function fill(store: EventStore, count: number, perAppend = 500) {
  for (let done = 0; done < count; done += perAppend) {
    const size = Math.min(perAppend, count - done);
    await store.appendToStream(
      { domain: 'filler', aggregateId: `f-${done}` },
      Array.from({ length: size }, () => ({ type: 'Filled', data: {} })),
      { expectedVersion: 0 },
    );
  }
}

describe('processor status', () => {
  it('reports head, lag in events and seconds, and the rate, until caught up', async () => {
    const { projector, open } = gated('slow');
    const evented = await app([projector]);
    for (let i = 0; i < 25; i++) await evented.dispatch(add(`c-${i % 4}`));
    const behind = await evented.processorStatus('slow');
    expect(behind).toMatchObject({
      name: 'slow',
      head: 25n,
      checkpoint: 0n,
      lag: { events: 25, atLeast: false },
      eventsHandled: 0,
    });
    expect(behind.lag.seconds).toBeGreaterThanOrEqual(0);

    open();
    await evented.waitForProcessors();
    const caughtUp = await evented.processorStatus('slow');
    expect(caughtUp).toMatchObject({
      state: 'live',
      head: 25n,
      checkpoint: 25n,
      lag: { events: 0, atLeast: false, seconds: 0 },
      eventsHandled: 25,
    });
    expect(caughtUp.eventsPerSecond).toBeGreaterThan(0);
    expect(evented.processors()[0]).toMatchObject({ eventsHandled: 25 });
    expect((await evented.processorReports()).map((report) => report.name)).toEqual(['slow']);
  });

  it('counts the lag without subtracting positions, and says "at least" past its cap', async () => {
    const storage = await openSqliteStorage();
    try {
      await fill(storage.eventStore, LAG_READ_LIMIT + 5);
      const head = await storage.eventStore.headPosition();
      expect(await measureLag(storage.eventStore, 3n, head)).toMatchObject({
        events: LAG_READ_LIMIT + 2,
        atLeast: false,
      });
      // A store that cannot count is read, up to a smaller cap.
      const reading: EventStore = Object.assign(Object.create(storage.eventStore) as EventStore, {
        countEvents: undefined,
        readAll: storage.eventStore.readAll.bind(storage.eventStore),
        headPosition: storage.eventStore.headPosition.bind(storage.eventStore),
      });
      expect(await measureLag(reading, 0n, head)).toMatchObject({
        events: LAG_READ_LIMIT,
        atLeast: true,
      });
      expect(await measureLag(reading, head - 7n, head)).toMatchObject({
        events: 7,
        atLeast: false,
      });
    } finally {
      await storage.close();
    }
  });

  it('finds the position before the first event recorded at or after a time', async () => {
    const storage = await openSqliteStorage();
    try {
      const times: Date[] = [];
      for (let batch = 0; batch < 5; batch++) {
        const tick = Date.now();
        while (Date.now() === tick) await sleep(1);
        const { events } = await storage.eventStore.appendToStream(
          { domain: 'filler', aggregateId: `b-${batch}` },
          Array.from({ length: 3 }, () => ({ type: 'Filled', data: {} })),
          { expectedVersion: 0 },
        );
        times.push(events[0]!.recordedAt);
      }
      expect(await positionAt(storage.eventStore, new Date(0))).toBe(0n);
      expect(await positionAt(storage.eventStore, times[0]!)).toBe(0n);
      expect(await positionAt(storage.eventStore, times[2]!)).toBe(6n);
      expect(await positionAt(storage.eventStore, new Date(times[4]!.getTime() + 1))).toBe(15n);
    } finally {
      await storage.close();
    }
  });

  it('shows a node that works none of the segments as standby, and who does', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-status-')), 'app.db');
    const shared = { segments: 1, leaseMs: 300, batchSize: 10, retryBackoffMs: 1 };
    const config = (nodeId: string): Partial<EventedConfig> => ({
      storage: { kind: 'sqlite', path },
      processors: shared,
      nodeId,
    });
    const projector: Projector = { name: 'log', handle() {} };
    const a = await app([projector], config('node-a'));
    await until(() => a.processors()[0]?.state === 'live', 'node a works the segment');
    const b = await app([projector], config('node-b'));
    await until(() => b.processors()[0]?.state === 'standby', 'node b stands by');
    await a.dispatch(add('x'), { waitFor: ['log'] });
    const report = await b.processorStatus('log');
    expect(report).toMatchObject({
      state: 'standby',
      checkpoint: 1n,
      head: 1n,
      lag: { events: 0 },
      segmentReports: [{ segment: 0, owner: 'node-a', state: undefined, checkpoint: 1n }],
    });
  });
});
