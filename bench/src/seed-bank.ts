import type { NewEvent } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';

/**
 * Fills a SQLite file with bank events, to try a rebuild of a large projection by hand
 * (not part of `npm run bench` or the tests):
 *
 * ```sh
 * node bench/dist/seed-bank.js ./data/bank.db 1000000
 * node packages/server/dist/cli.js serve --store sqlite:./data/bank.db
 * node packages/server/dist/cli.js processors rebuild balances
 * ```
 *
 * Accounts of 1,000 events each (opened, then deposits of 1) are appended straight to the
 * event store, so the server's balances projector and transfers saga catch up on its start.
 */
const EVENTS_PER_ACCOUNT = 1_000;
const EVENTS_PER_APPEND = 1_000;

async function main(): Promise<void> {
  const [path, countText = '1000000'] = process.argv.slice(2);
  const count = Number(countText);
  if (!path || !Number.isSafeInteger(count) || count < 1) {
    process.stderr.write('usage: seed-bank <sqlite file> [events, default 1000000]\n');
    process.exit(2);
  }
  const storage = await openSqliteStorage(path, { synchronous: 'normal' });
  const started = Date.now();
  try {
    const from = Number(await storage.eventStore.headPosition());
    for (let written = 0, account = from; written < count; account++) {
      const aggregateId = `seed-${account}`;
      const size = Math.min(EVENTS_PER_ACCOUNT, count - written);
      for (let version = 0; version < size; version += EVENTS_PER_APPEND) {
        const events: NewEvent[] = [];
        for (let i = version; i < Math.min(version + EVENTS_PER_APPEND, size); i++) {
          events.push(
            i === 0
              ? { type: 'AccountOpened', data: { owner: aggregateId, overdraftLimit: 0 } }
              : { type: 'Deposited', data: { amount: 1 } },
          );
        }
        await storage.eventStore.appendToStream({ domain: 'account', aggregateId }, events, {
          expectedVersion: version,
        });
      }
      written += size;
      if (account % 100 === 0) process.stderr.write(`\r${written} events`);
    }
    const head = await storage.eventStore.headPosition();
    process.stderr.write(`\r${count} events in ${(Date.now() - started) / 1000} s; head ${head}\n`);
  } finally {
    await storage.close();
  }
}

await main();
