import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '@evented/sqlite';
import { counter } from '../command-handling/counter.fixture.js';
import type { Evented } from '../facade/evented.js';
import { Evented as EventedApp } from '../facade/evented.js';
import type { EventedConfig } from '../facade/evented-config.js';
import type { RecordedEvent } from '../event-store/types.js';
import type { EventStore } from '../event-store/event-store.js';
import { EventedError } from '../errors/evented-error.js';
import type { Storage } from '../storage/storage.js';
import { silentLogger } from '../observability/logger.js';
import type { Projector } from './projector.js';
import type { Saga } from './saga.js';

const opened: Evented[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((evented) => evented.close()));
});

const fastRetries = { maxAttempts: 3, retryBackoffMs: 5, batchSize: 10 };

async function app(
  projectors: Projector[],
  sagas: Saga[] = [],
  config: Partial<EventedConfig> = {},
): Promise<Evented> {
  let builder = EventedApp.builder({
    storage: () => openSqliteStorage(),
    logger: silentLogger,
    processors: fastRetries,
    ...config,
  }).withBusinessLogic('counter', counter);
  for (const projector of projectors) builder = builder.withProjector(projector);
  for (const saga of sagas) builder = builder.withSaga(saga);
  const evented = await builder.build();
  opened.push(evented);
  return evented;
}

const add = (aggregateId: string, by = 1) => ({
  domain: 'counter',
  aggregateId,
  type: 'Add',
  data: { by },
});

/** A projector recording what it saw, failing on events of aggregates in `poisoned`. */
function recorder(name: string, poisoned = new Set<string>()) {
  const seen: RecordedEvent[] = [];
  const projector: Projector = {
    name,
    handle(event) {
      if (poisoned.has(event.aggregateId)) throw new Error(`cannot handle ${event.aggregateId}`);
      seen.push(event);
    },
  };
  return { projector, seen, poisoned };
}

describe('processors', () => {
  it('deliver every event in order, and waitFor gives read-your-writes', async () => {
    const { projector, seen } = recorder('log');
    const evented = await app([projector]);
    for (let i = 0; i < 25; i++)
      await evented.dispatch(add(`c-${i % 3}`), { waitFor: i % 5 === 0 ? ['log'] : [] });
    const last = await evented.dispatch(add('c-9'), { waitFor: ['log'] });
    expect(seen.at(-1)?.id).toBe(last.events[0]?.id);
    expect(seen.map((e) => e.position)).toEqual(seen.map((_, i) => BigInt(i + 1)));
    expect(evented.processors()[0]).toMatchObject({
      name: 'log',
      kind: 'projector',
      checkpoint: 26n,
    });
  });

  it('stop at a poison event in a visible error state, skipping nothing', async () => {
    const { projector, seen, poisoned } = recorder('log', new Set(['bad']));
    const evented = await app([projector]);
    await evented.dispatch(add('good'), { waitFor: ['log'] });
    const bad = await evented.dispatch(add('bad'));
    const after = await evented.dispatch(add('good'));
    const waiting = await evented
      .dispatch(add('good'), { waitFor: ['log'] })
      .catch((e: unknown) => e);
    expect(waiting).toMatchObject({ code: 'PROCESSOR_FAILED' });
    const status = evented.processors()[0]!;
    expect(status.state).toBe('error');
    expect(status.checkpoint).toBe(1n);
    expect(status.failure).toMatchObject({
      eventId: bad.events[0]!.id,
      position: 2n,
      attempts: fastRetries.maxAttempts,
      message: 'cannot handle bad',
    });
    expect(seen.map((e) => e.aggregateId)).toEqual(['good']);

    poisoned.clear();
    evented.restartProcessor('log');
    await evented.waitForProcessors();
    expect(seen.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n]);
    expect(seen[2]?.id).toBe(after.events[0]!.id);
    expect(evented.processors()[0]?.state).toBe('live');
  });

  it('wait out a store that is unavailable for a while, then carry on', async () => {
    let outages = 3;
    const flaky = async () => {
      const storage = await openSqliteStorage();
      const store = storage.eventStore;
      const eventStore: EventStore = {
        appendToStream: (...args) => store.appendToStream(...args),
        readStream: (...args) => store.readStream(...args),
        readAll: async (options) => {
          if (outages-- > 0) throw new EventedError('UNAVAILABLE', 'the store restarts');
          return store.readAll(options);
        },
        streamVersion: (stream) => store.streamVersion(stream),
        headPosition: () => store.headPosition(),
        findCommand: (id) => store.findCommand(id),
        waitForEvents: (after, options) => store.waitForEvents(after, options),
      };
      return { ...storage, eventStore, close: () => storage.close() } as Storage;
    };
    const { projector, seen } = recorder('log');
    const evented = await app([projector], [], { storage: flaky });
    await evented.dispatch(add('a'), { waitFor: ['log'] });
    expect(seen).toHaveLength(1);
    expect(outages).toBeLessThan(0);
    expect(evented.processors()[0]?.state).toBe('live');
  });

  it('move the checkpoint past events their filter skips', async () => {
    const { projector, seen } = recorder('only-b');
    const evented = await app([
      { ...projector, filter: { domains: ['counter'], types: ['Nothing'] } },
    ]);
    for (let i = 0; i < 12; i++) await evented.dispatch(add('a'));
    await evented.dispatch(add('a'), { waitFor: ['only-b'] });
    expect(seen).toEqual([]);
    expect(evented.processors()[0]?.checkpoint).toBe(13n);
  });

  it('hand whole pages to handleBatch, with per-projector options', async () => {
    const pages: number[] = [];
    const evented = await app([
      {
        name: 'batched',
        processorOptions: { batchSize: 4 },
        handle: () => {
          throw new Error('handleBatch is used instead');
        },
        handleBatch: (events) => {
          pages.push(events.length);
        },
      },
    ]);
    await evented.storage.eventStore.appendToStream(
      { domain: 'counter', aggregateId: 'a' },
      Array.from({ length: 10 }, () => ({ type: 'Added', data: { by: 1 } })),
      { expectedVersion: 'no-stream' },
    );
    await evented.waitForProcessors();
    expect(pages).toEqual([4, 4, 2]);
  });

  it('save a checkpoint that only skipped events now and then, when idle, and on close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evented-skips-'));
    const storage = () => openSqliteStorage(join(dir, 'app.db'));
    let saves = 0;
    const counting = async () => {
      const opened = await storage();
      const checkpoints = opened.checkpointStore;
      const save = checkpoints.saveCheckpoint.bind(checkpoints);
      checkpoints.saveCheckpoint = (name, position) => ((saves += 1), save(name, position));
      return opened;
    };
    const { projector } = recorder('none');
    const skipping = {
      ...projector,
      filter: { types: ['Nothing'] },
      processorOptions: { skipCheckpointIntervalMs: 200 },
    };
    const evented = await app([skipping], [], { storage: counting });
    for (let i = 0; i < 20; i++) await evented.dispatch(add('a'), { waitFor: ['none'] });
    expect(saves).toBeLessThan(5);
    // Idle past the interval: saved without waiting for another event.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const reader = await storage();
    expect(await reader.checkpointStore.loadCheckpoint('none')).toBe(20n);
    await evented.dispatch(add('a'), { waitFor: ['none'] });
    await evented.close();
    expect(await reader.checkpointStore.loadCheckpoint('none')).toBe(21n);
    await reader.close();
  });

  it('fail a dispatch waiting for an unknown processor before writing', async () => {
    const evented = await app([]);
    const error = await evented.dispatch(add('a'), { waitFor: ['nope'] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect(await evented.storage.eventStore.headPosition()).toBe(0n);
  });

  it('time out a waitFor on a slow processor, with the events recorded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const evented = await app([{ name: 'slow', handle: () => gate }]);
    const error = await evented
      .dispatch(add('a'), { waitFor: ['slow'], timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(await evented.storage.eventStore.headPosition()).toBe(1n);
    release();
  });

  it('resume from the checkpoint after a restart of the application', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evented-processor-'));
    const storage = () => openSqliteStorage(join(dir, 'app.db'));
    const first = recorder('log');
    const one = await app([first.projector], [], { storage });
    for (let i = 0; i < 5; i++) await one.dispatch(add('a'), { waitFor: ['log'] });
    await one.close();
    const second = recorder('log');
    const two = await app([second.projector], [], { storage });
    await two.dispatch(add('a'), { waitFor: ['log'] });
    expect(second.seen.map((e) => e.position)).toEqual([6n]);
  });
});

describe('sagas', () => {
  it('issue commands whose ids derive from the event, so a replay has no second effect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evented-saga-'));
    const storage = () => openSqliteStorage(join(dir, 'app.db'));
    let handled = 0;
    const mirror: Saga = {
      name: 'mirror',
      filter: { types: ['Added'] },
      async handle(event, { dispatch }) {
        if (event.aggregateId.startsWith('mirror-')) return;
        handled += 1;
        await dispatch({ ...add(`mirror-${event.aggregateId}`), data: event.data });
      },
    };
    const stream = { domain: 'counter', aggregateId: 'mirror-a' };
    const first = await app([], [mirror], { storage });
    for (let i = 0; i < 3; i++) await first.dispatch(add('a', 2), { waitFor: ['mirror'] });
    const mirrored = await first.storage.eventStore.readStream(stream);
    expect(mirrored.map((e) => e.data)).toEqual([{ by: 2 }, { by: 2 }, { by: 2 }]);
    expect(mirrored[0]?.causationId).toMatch(/^mirror:/);
    await first.close();
    const offline = await storage();
    await offline.checkpointStore.deleteCheckpoint('mirror');
    await offline.close();

    // A new start from no checkpoint replays the whole log through the saga.
    const second = await app([], [mirror], { storage });
    await second.waitForProcessors();
    expect(handled).toBe(6);
    expect(await second.storage.eventStore.streamVersion(stream)).toBe(3);
  });
});
