import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStorage } from '@evented/conformance';
import { openSqliteStorage } from '@evented/sqlite';

describeStorage('SQLite in memory', () => openSqliteStorage(':memory:'));

describeStorage('SQLite in a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'evented-conformance-'));
  const storage = await openSqliteStorage(join(dir, 'events.db'));
  const close = storage.close.bind(storage);
  // The suite closes the storage after each test; the file goes with it.
  storage.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return storage;
});
