import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage, sqliteProjector } from '@evented/sqlite';
import { counter } from '../command-handling/counter.fixture.js';
import { isEventedError } from '../errors/evented-error.js';
import type { Position } from '../event-store/types.js';
import { Evented } from '../facade/evented.js';
import type { EventedConfig } from '../facade/evented-config.js';
import { silentLogger } from '../observability/logger.js';
import { atLeastOnce } from './delivery.js';
import { ProcessorGroup } from './processor-group.js';
import type { Projector } from './projector.js';
import type { Saga } from './saga.js';

const opened = new Set<Evented>();
afterEach(async () => {
  await Promise.all([...opened].map((evented) => evented.close()));
  opened.clear();
});

async function app(
  projectors: Projector[],
  config: Partial<EventedConfig> = {},
  sagas: Saga[] = [],
) {
  let builder = Evented.builder({
    storage: () => openSqliteStorage(),
    logger: silentLogger,
    processors: { batchSize: 4, retryBackoffMs: 1, maxAttempts: 1 },
    ...config,
  }).withBusinessLogic('counter', counter);
  for (const projector of projectors) builder = builder.withProjector(projector);
  for (const saga of sagas) builder = builder.withSaga(saga);
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

/** Records the position of each event it handles and whether it was replayed. */
function recorder(name: string, options: Partial<Projector> = {}) {
  const seen: { position: Position; replaying: boolean }[] = [];
  const projector: Projector = {
    name,
    handle(event, context) {
      seen.push({ position: event.position, replaying: context.replaying });
    },
    ...options,
  };
  return { projector, seen };
}

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(5);
  }
}

const positions = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

/** A transactional read model counting events per aggregate, cleared by its reset hook. */
function totals(reset?: (db: Database) => void) {
  return sqliteProjector({
    name: 'totals',
    schema: 'CREATE TABLE IF NOT EXISTS totals (id TEXT PRIMARY KEY, n INTEGER NOT NULL)',
    processorOptions: { batchSize: 3 },
    ...(reset && { reset }),
    handle(event, db) {
      db.prepare(
        'INSERT INTO totals (id, n) VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1',
      ).run(event.aggregateId);
    },
  });
}

const rows = (db: Database) => db.prepare('SELECT id, n FROM totals ORDER BY id').all();

describe('resetting a processor', () => {
  it('replays from the start, marking events up to the old head as replayed', async () => {
    const { projector, seen } = recorder('log');
    const evented = await app([projector]);
    for (let i = 0; i < 10; i++) await evented.dispatch(add(`c-${i % 3}`), { waitFor: ['log'] });
    expect(await evented.resetProcessor('log', { to: 'start' })).toEqual({
      position: 0n,
      replayUntil: 10n,
    });
    await evented.waitForProcessors();
    await evented.dispatch(add('c-0'), { waitFor: ['log'] });
    expect(seen.map((event) => event.position)).toEqual([
      ...positions(1, 10),
      ...positions(1, 10),
      11n,
    ]);
    expect(seen.map((event) => event.replaying)).toEqual([
      ...Array<boolean>(10).fill(false),
      ...Array<boolean>(10).fill(true),
      false,
    ]);
    expect(evented.processors()[0]).toMatchObject({ checkpoint: 11n, state: 'live' });
    expect(evented.processors()[0]?.replay).toBeUndefined();
  });

  it('resets to a position, and to a point in time', async () => {
    const { projector, seen } = recorder('log');
    const evented = await app([projector]);
    for (let i = 0; i < 6; i++) await evented.dispatch(add('a'), { waitFor: ['log'] });
    const tick = Date.now();
    while (Date.now() === tick) await sleep(1);
    const later = await evented.dispatch(add('a'), { waitFor: ['log'] });
    await evented.dispatch(add('a'), { waitFor: ['log'] });
    seen.length = 0;

    await evented.resetProcessor('log', { to: 4n });
    await evented.waitForProcessors();
    expect(seen.map((event) => event.position)).toEqual(positions(5, 8));
    seen.length = 0;

    const result = await evented.resetProcessor('log', { to: later.events[0]!.recordedAt });
    expect(result.position).toBe(6n);
    await evented.waitForProcessors();
    expect(seen.map((event) => event.position)).toEqual(positions(7, 8));

    const beyond = await evented.resetProcessor('log', { to: 99n }).catch((e: unknown) => e);
    expect(isEventedError(beyond, 'INVALID_ARGUMENT')).toBe(true);
    const unknown = await evented.resetProcessor('nope', { to: 'start' }).catch((e: unknown) => e);
    expect(isEventedError(unknown, 'NOT_FOUND')).toBe(true);
  });

  it('shows the replay progress while it runs', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let held = false;
    const { projector, seen } = recorder('log', {
      async handle(event, context) {
        if (context.replaying && event.position === 5n) {
          held = true;
          await gate;
        }
        seen.push({ position: event.position, replaying: context.replaying });
      },
    });
    const evented = await app([projector]);
    for (let i = 0; i < 12; i++) await evented.dispatch(add('a'), { waitFor: ['log'] });
    await evented.resetProcessor('log', { to: 'start' });
    await until(() => held, 'the replay reaches the gate');
    const status = await evented.processorStatus('log');
    expect(status.replay).toMatchObject({ target: 12n, position: 4n, eventsHandled: 4 });
    expect(status.lag).toMatchObject({ events: 8, atLeast: false });
    expect(status.replay!.etaSeconds).toBeGreaterThanOrEqual(0);
    open();
    await evented.waitForProcessors();
    expect(evented.processors()[0]?.replay).toBeUndefined();
  });

  it('rebuilds a transactional read model, clearing it in the checkpoint transaction', async () => {
    let failReset = false;
    const projector = totals((db) => {
      db.exec('DELETE FROM totals');
      if (failReset) throw new Error('the disk is full');
    });
    const evented = await app([projector]);
    for (let i = 0; i < 9; i++) await evented.dispatch(add(`c-${i % 3}`), { waitFor: ['totals'] });
    const expected = rows(projector.database);
    expect(expected).toEqual([
      { id: 'c-0', n: 3 },
      { id: 'c-1', n: 3 },
      { id: 'c-2', n: 3 },
    ]);

    // A reset that fails halfway rolls back with the checkpoint: nothing cleared, nothing replayed.
    failReset = true;
    const failed = await evented.rebuildProjector('totals').catch((e: unknown) => e);
    expect((failed as Error).message).toContain('the disk is full');
    expect(rows(projector.database)).toEqual(expected);
    await evented.dispatch(add('c-0'), { waitFor: ['totals'] });
    expect(rows(projector.database)[0]).toEqual({ id: 'c-0', n: 4 });

    failReset = false;
    expect(await evented.rebuildProjector('totals')).toEqual({ position: 0n, replayUntil: 10n });
    await evented.waitForProcessors();
    expect(rows(projector.database)).toEqual([
      { id: 'c-0', n: 4 },
      { id: 'c-1', n: 3 },
      { id: 'c-2', n: 3 },
    ]);
  });

  it('refuses to rebuild what it cannot clear, and sagas', async () => {
    const saga: Saga = { name: 'echo', handle() {} };
    const evented = await app([totals()], {}, [saga]);
    const noHook = await evented.rebuildProjector('totals').catch((e: unknown) => e);
    expect(isEventedError(noHook, 'CONFIGURATION')).toBe(true);
    const ofSaga = await evented.rebuildProjector('echo').catch((e: unknown) => e);
    expect(isEventedError(ofSaga, 'NOT_FOUND')).toBe(true);
    expect(await evented.resetProcessor('echo', { to: 'start' })).toMatchObject({ position: 0n });
  });

  it('stops a segmented processor whose rebuild crashed midway until it is run again', async () => {
    let failReset = true;
    const { projector, seen } = recorder('log', {
      processorOptions: { segments: 3 },
      reset() {
        if (failReset) throw new Error('crashed while clearing');
      },
    });
    const evented = await app([projector]);
    for (let i = 0; i < 9; i++) await evented.dispatch(add(`c-${i}`), { waitFor: ['log'] });
    const failed = await evented.rebuildProjector('log').catch((e: unknown) => e);
    expect((failed as Error).message).toContain('crashed while clearing');
    await until(
      () => evented.processors()[0]?.state === 'error',
      'the segments stop at the unfinished reset',
    );
    expect(evented.processors()[0]?.failure?.message).toMatch(
      /a reset of processor log to position 0 did not finish/,
    );
    failReset = false;
    seen.length = 0;
    await evented.rebuildProjector('log');
    await evented.waitForProcessors();
    expect(seen.map((event) => event.position).sort((a, b) => Number(a - b))).toEqual(
      positions(1, 9),
    );
    expect(seen.every((event) => event.replaying)).toBe(true);
    expect(evented.processors()[0]).toMatchObject({ state: 'live', checkpoint: 9n });
  });

  it('needs every segment: fails naming the node that works some, succeeds once it left', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-reset-')), 'app.db');
    const config = (nodeId: string): Partial<EventedConfig> => ({
      storage: { kind: 'sqlite', path },
      processors: { segments: 2, leaseMs: 200, batchSize: 4, retryBackoffMs: 1 },
      nodeId,
    });
    const a = recorder('log');
    const b = recorder('log');
    const nodeA = await app([a.projector], config('node-a'));
    const nodeB = await app([b.projector], config('node-b'));
    const segmentsOf = (evented: Evented) => evented.processors()[0]?.segments?.length ?? 0;
    await until(
      () => segmentsOf(nodeA) === 1 && segmentsOf(nodeB) === 1,
      'the nodes split the segments',
    );
    for (let i = 0; i < 8; i++) await nodeA.dispatch(add(`c-${i}`), { waitFor: ['log'] });

    const refused = await nodeA.resetProcessor('log', { to: 'start' }).catch((e: unknown) => e);
    expect(isEventedError(refused, 'UNAVAILABLE')).toBe(true);
    expect((refused as Error).message).toMatch(/segments 1|segments 0/);
    expect((refused as Error).message).toContain('node-b');
    await until(() => segmentsOf(nodeA) === 1, 'node a works its segment again');

    await nodeB.close();
    opened.delete(nodeB);
    a.seen.length = 0;
    await nodeA.resetProcessor('log', { to: 'start' });
    await nodeA.waitForProcessors();
    expect(a.seen.map((event) => event.position).sort((x, y) => Number(x - y))).toEqual(
      positions(1, 8),
    );
  });

  it('resets a processor that is not running without working it or keeping its claims', async () => {
    const storage = await openSqliteStorage();
    try {
      await storage.eventStore.appendToStream(
        { domain: 'counter', aggregateId: 'a' },
        [{ type: 'Added', data: { by: 1 } }],
        { expectedVersion: 0 },
      );
      const handled: Position[] = [];
      const group = new ProcessorGroup(
        {
          name: 'idle',
          kind: 'projector',
          filter: undefined,
          delivery: atLeastOnce(storage.checkpointStore, (event) => {
            handled.push(event.position);
          }),
        },
        { ...storage, logger: silentLogger, node: 'here' },
        { segments: 2, leaseMs: 1_000 },
      );
      expect(await group.reset(1n)).toEqual({ position: 1n, replayUntil: 1n });
      expect(group.status().state).toBe('stopped');
      expect(await storage.checkpointStore.loadCheckpoint('idle@1/2')).toBe(1n);
      expect(await storage.claimStore.claim('idle', 0, 'elsewhere', 1_000)).toBeDefined();
      expect(handled).toEqual([]);
    } finally {
      await storage.close();
    }
  });
});
