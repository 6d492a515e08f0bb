import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage, sqliteProjector } from '@evented/sqlite';
import { counter } from '../command-handling/counter.fixture.js';
import type { RecordedEvent } from '../event-store/types.js';
import { Evented } from '../facade/evented.js';
import type { StorageConfig } from '../storage/storage-config.js';
import { silentLogger } from '../observability/logger.js';
import type { Projector } from './projector.js';

const opened: Evented[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((evented) => evented.close()));
});

const parking = { maxAttempts: 2, retryBackoffMs: 1, batchSize: 10, onPoison: 'park' } as const;

async function app(projector: Projector, storage: StorageConfig = () => openSqliteStorage()) {
  const evented = await Evented.builder({ storage, logger: silentLogger, processors: parking })
    .withBusinessLogic('counter', counter)
    .withProjector(projector)
    .build();
  opened.push(evented);
  return evented;
}

const add = (aggregateId: string) => ({
  domain: 'counter',
  aggregateId,
  type: 'Add',
  data: { by: 1 },
});
const bad = { domain: 'counter', aggregateId: 'bad' };

function recorder(poisoned: Set<string>) {
  const seen: RecordedEvent[] = [];
  const projector: Projector = {
    name: 'log',
    handle(event) {
      if (poisoned.has(event.aggregateId)) throw new Error(`cannot handle ${event.aggregateId}`);
      seen.push(event);
    },
  };
  return { projector, seen };
}

describe("processors with onPoison: 'park'", () => {
  it('park a failing event and the later ones of its aggregate, and go on with the others', async () => {
    const poisoned = new Set(['bad']);
    const { projector, seen } = recorder(poisoned);
    const evented = await app(projector);
    const first = await evented.dispatch(add('bad'));
    await evented.dispatch(add('good'));
    const second = await evented.dispatch(add('bad'));
    await evented.dispatch(add('good'), { waitFor: ['log'] });
    await evented.waitForProcessors();

    expect(evented.processors()[0]?.state).toBe('live');
    expect(seen.map((event) => event.aggregateId)).toEqual(['good', 'good']);
    const letters = await evented.deadLetters('log');
    expect(letters.map((letter) => [letter.event.id, letter.reason, letter.attempts])).toEqual([
      [first.events[0]!.id, 'failed', 2],
      [second.events[0]!.id, 'behind-parked', 0],
    ]);
    expect(letters[0]?.message).toBe('cannot handle bad');
    expect(await evented.parkedAggregates('log')).toEqual([{ ...bad, count: 2 }]);
  });

  it('retry the parked events in order once the handler is fixed, then let the aggregate flow', async () => {
    const poisoned = new Set(['bad']);
    const { projector, seen } = recorder(poisoned);
    const evented = await app(projector);
    await evented.dispatch(add('bad'));
    await evented.dispatch(add('bad'));
    await evented.waitForProcessors();
    await expect(evented.retryParked('log', bad)).rejects.toThrow('cannot handle bad');
    expect(await evented.deadLetters('log')).toHaveLength(2);

    poisoned.clear();
    expect(await evented.retryParked('log', bad)).toBe(2);
    expect(seen.map((event) => event.version)).toEqual([1, 2]);
    expect(await evented.deadLetters('log')).toEqual([]);
    await evented.dispatch(add('bad'), { waitFor: ['log'] });
    expect(seen.map((event) => event.version)).toEqual([1, 2, 3]);
  });

  it('skip the parked events unhandled, then let the aggregate flow', async () => {
    const poisoned = new Set(['bad']);
    const { projector, seen } = recorder(poisoned);
    const evented = await app(projector);
    await evented.dispatch(add('bad'));
    await evented.waitForProcessors();
    poisoned.clear();
    expect(await evented.skipParked('log', bad)).toBe(1);
    expect(await evented.deadLetters('log')).toEqual([]);
    await evented.dispatch(add('bad'), { waitFor: ['log'] });
    expect(seen.map((event) => event.version)).toEqual([2]);
  });

  it('keep parking an aggregate after a restart of the application', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-park-')), 'app.db');
    const storage = { kind: 'sqlite', path } as const;
    const poisoned = new Set(['bad']);
    const first = await app(recorder(poisoned).projector, storage);
    await first.dispatch(add('bad'));
    await first.waitForProcessors();
    await first.close();

    poisoned.clear(); // fixed, but the aggregate's parked event must come first
    const { projector, seen } = recorder(poisoned);
    const second = await app(projector, storage);
    await second.dispatch(add('bad'), { waitFor: ['log'] });
    expect(seen).toEqual([]);
    expect((await second.deadLetters('log')).map((letter) => letter.reason)).toEqual([
      'failed',
      'behind-parked',
    ]);
    expect(await second.retryParked('log', bad)).toBe(2);
    expect(seen.map((event) => event.version)).toEqual([1, 2]);
  });

  it('retry a transactional projector exactly once: read model and dead letter in one transaction', async () => {
    let failing = true;
    const totals = sqliteProjector({
      name: 'log',
      schema: 'CREATE TABLE IF NOT EXISTS totals (id TEXT PRIMARY KEY, n INTEGER NOT NULL)',
      handle(event, db) {
        if (failing && event.aggregateId === 'bad') throw new Error('cannot handle bad');
        db.prepare(
          'INSERT INTO totals (id, n) VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1',
        ).run(event.aggregateId);
      },
    });
    const evented = await app(totals);
    await evented.dispatch(add('bad'));
    await evented.dispatch(add('good'));
    await evented.waitForProcessors();
    failing = false;
    expect(await evented.retryParked('log', bad)).toBe(1);
    expect(await evented.retryParked('log', bad)).toBe(0);
    const rows = totals.database.prepare('SELECT id, n FROM totals ORDER BY id').all();
    expect(rows).toEqual([
      { id: 'bad', n: 1 },
      { id: 'good', n: 1 },
    ]);
  });

  it('refuse retry and skip for an unknown processor or a bad stream', async () => {
    const evented = await app(recorder(new Set()).projector);
    await expect(evented.retryParked('nope', bad)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      evented.skipParked('log', { domain: 'counter', aggregateId: '' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
