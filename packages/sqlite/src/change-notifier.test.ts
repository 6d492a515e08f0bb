import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteStorage } from './storage.js';
import { openSqliteStorage } from './storage.js';

const opened: SqliteStorage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

const event = { type: 'Happened', data: { n: 1 } };

describe('waking readers after appends', () => {
  it('lets the appending callers carry on before the readers they wake', async () => {
    const storage = await openSqliteStorage();
    opened.push(storage);
    const { eventStore } = storage;
    const order: string[] = [];
    const waiting = eventStore.waitForEvents(0n).then((found) => order.push(`woken ${found}`));
    await Promise.all(
      ['a', 'b', 'c'].map(async (id) => {
        await eventStore.appendToStream({ domain: 'd', aggregateId: id }, [event], {
          expectedVersion: 'no-stream',
        });
        // A caller's continuation runs through several promise callbacks (a command
        // handler's, a server's) before it is done with the append.
        for (let step = 0; step < 20; step++) await Promise.resolve();
        order.push(`appended ${id}`);
      }),
    );
    await waiting;
    expect(order).toEqual(['appended a', 'appended b', 'appended c', 'woken true']);
  });
});
