import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from './storage.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-connection-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('opening a SQLite file', () => {
  it('creates missing folders', async () => {
    const storage = await openSqliteStorage(join(dir, 'a', 'b', 'app.db'));
    await storage.close();
    expect(existsSync(join(dir, 'a', 'b', 'app.db'))).toBe(true);
  });

  it('fails at once with CONFIGURATION where a folder cannot be made', async () => {
    writeFileSync(join(dir, 'file'), '');
    const paths = [join(dir, 'file', 'sub', 'app.db')];
    // Under /proc, Node's own recursive mkdir would spin for ever.
    if (existsSync('/proc/self')) paths.push('/proc/evented-nope/app.db');
    for (const path of paths) {
      await expect(openSqliteStorage(path)).rejects.toMatchObject({ code: 'CONFIGURATION' });
    }
  });
});
