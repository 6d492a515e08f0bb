import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { expectCode } from '@evented/conformance';
import { START } from '@evented/core';
import type { SqliteStorage } from '@evented/sqlite';
import { openSqliteStorage } from '@evented/sqlite';

const racer = fileURLToPath(new URL('../test-fixtures/claim-racer.mjs', import.meta.url));

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function freshFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evented-claims-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'claims.db');
}

async function open(file: string): Promise<SqliteStorage> {
  const storage = await openSqliteStorage(file);
  cleanups.push(() => storage.close());
  return storage;
}

interface Tally {
  readonly node: string;
  readonly written: number;
  readonly fenced: number;
  readonly errors: readonly { code?: string; message: string }[];
}

/** Starts a racing node and resolves once it has opened the file and waits for `go`. */
function startNode(
  file: string,
  node: string,
  segments: number,
  durationMs: number,
): Promise<{ child: ChildProcess; done: Promise<Tally> }> {
  const child = fork(racer, [file, node, String(segments), String(durationMs)], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('close', (code, signal) =>
      reject(new Error(`node ${node} exited (${code ?? signal}) early: ${stderr}`)),
    ),
  );
  const message = (type: string): Promise<unknown> =>
    Promise.race([
      new Promise((resolve) => {
        const onMessage = (m: { type: string }): void => {
          if (m.type !== type) return;
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
      }),
      exited,
    ]);
  const done = message('done') as Promise<Tally>;
  done.catch(() => {}); // awaited below; keep an early exit from being unhandled meanwhile
  return message('ready').then(() => ({ child, done }));
}

describe('claims shared by several connections to one SQLite file', () => {
  it('refuses a fenced projection of the old owner after another connection took over: its work never commits', async () => {
    const file = freshFile();
    const a = await open(file);
    const b = await open(file);
    a.database.exec('CREATE TABLE balances (account TEXT PRIMARY KEY, amount INTEGER)');
    const project = (amount: number) => (db: unknown) => {
      (db as SqliteStorage['database'])
        .prepare(
          `INSERT INTO balances VALUES ('a-1', ?)
           ON CONFLICT (account) DO UPDATE SET amount = excluded.amount`,
        )
        .run(amount);
    };

    const old = await a.claimStore.claim('balances', 0, 'node-a', 100);
    await a.checkpointStore.saveCheckpointWith('balances@0/2', START, project(1), old);
    expect(await b.claimStore.claim('balances', 0, 'node-b', 60_000)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const current = await b.claimStore.claim('balances', 0, 'node-b', 60_000);
    expect(current).toMatchObject({ owner: 'node-b', token: 2 });

    await expectCode(
      a.checkpointStore.saveCheckpointWith('balances@0/2', START, project(2), old),
      'FENCED',
    );
    await expectCode(a.checkpointStore.saveCheckpoint('balances@0/2', START, old), 'FENCED');
    expect(b.database.prepare('SELECT amount FROM balances').pluck().all()).toEqual([1]);
    await b.checkpointStore.saveCheckpointWith('balances@0/2', START, project(3), current);
    expect(a.database.prepare('SELECT amount FROM balances').pluck().all()).toEqual([3]);
  });

  it('never commits a write of a stale owner after the new owner’s, across processes', async () => {
    const file = freshFile();
    const setup = await open(file);
    setup.database.exec(
      `CREATE TABLE ledger (
         id INTEGER PRIMARY KEY AUTOINCREMENT, segment INTEGER, node TEXT, token INTEGER)`,
    );
    const SEGMENTS = 4;
    const nodes = await Promise.all(
      ['node-a', 'node-b', 'node-c'].map((node) => startNode(file, node, SEGMENTS, 1_500)),
    );
    for (const { child } of nodes) child.send({ type: 'go' });
    const tallies = await Promise.all(nodes.map((n) => n.done));

    expect(tallies.flatMap((t) => t.errors)).toEqual([]);
    const written = tallies.reduce((sum, t) => sum + t.written, 0);
    expect(written).toBeGreaterThan(0);
    expect(
      tallies.reduce((sum, t) => sum + t.fenced, 0),
      'no node was fenced: they did not race',
    ).toBeGreaterThan(0);

    const rows = setup.database
      .prepare('SELECT segment, node, token FROM ledger ORDER BY id')
      .all() as { segment: number; node: string; token: number }[];
    expect(rows).toHaveLength(written);
    for (let segment = 0; segment < SEGMENTS; segment++) {
      const ofSegment = rows.filter((row) => row.segment === segment);
      const owners = new Map<number, string>();
      for (const [i, row] of ofSegment.entries()) {
        // In commit order the tokens never go back: no write of an old owner after a new one's.
        if (i > 0) expect(row.token).toBeGreaterThanOrEqual(ofSegment[i - 1]!.token);
        // And one token is one owner's.
        expect(owners.get(row.token) ?? row.node).toBe(row.node);
        owners.set(row.token, row.node);
      }
    }
  });
});
