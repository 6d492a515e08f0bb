import { afterEach, describe, expect, it } from 'vitest';
import { isEventedError } from '@evented/core';
import type { SqliteStorage } from './storage.js';
import { openSqliteStorage } from './storage.js';

const opened: SqliteStorage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

const event = { type: 'Happened', data: { n: 1 } };

describe('group commit of concurrent appends', () => {
  it('isolates a failing append: the others of its turn commit, in submission order', async () => {
    const storage = await openSqliteStorage();
    opened.push(storage);
    const { eventStore } = storage;
    await eventStore.appendToStream({ domain: 'd', aggregateId: 'taken' }, [event], {
      expectedVersion: 'no-stream',
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        eventStore.appendToStream(
          { domain: 'd', aggregateId: i === 7 ? 'taken' : `s-${i}` },
          [event],
          {
            expectedVersion: 'no-stream',
          },
        ),
      ),
    );
    const failed = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [i] : []));
    expect(failed).toEqual([7]);
    const rejection = outcomes[7] as PromiseRejectedResult;
    expect(isEventedError(rejection.reason, 'CONCURRENCY_CONFLICT')).toBe(true);
    const positions = outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value.events[0]!.position] : [],
    );
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect(await eventStore.headPosition()).toBe(20n);
  });

  it('commits appends still queued when the storage closes', async () => {
    const storage = await openSqliteStorage();
    const pending = storage.eventStore.appendToStream({ domain: 'd', aggregateId: 'a' }, [event], {
      expectedVersion: 'any',
    });
    await storage.close();
    expect((await pending).version).toBe(1);
  });
});
