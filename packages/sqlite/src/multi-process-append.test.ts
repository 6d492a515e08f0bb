import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';

const racer = fileURLToPath(new URL('../test-fixtures/append-racer.mjs', import.meta.url));

const WRITERS = 3;
const ATTEMPTS = 300;
const STREAMS = 5;

interface Win {
  readonly aggregateId: string;
  readonly attempt: number;
  readonly version: number;
  readonly position: string;
}

interface Tally {
  readonly writer: string;
  readonly wins: readonly Win[];
  readonly conflicts: number;
  readonly errors: readonly { code: string; message?: string; details?: unknown }[];
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts a writer and resolves once it has opened the file and waits for `go`. */
function startWriter(
  file: string,
  writer: string,
): Promise<{ child: ChildProcess; done: Promise<Tally> }> {
  const child = fork(racer, [file, writer, String(ATTEMPTS), String(STREAMS)], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('close', (code, signal) =>
      reject(new Error(`writer ${writer} exited (${code ?? signal}) early: ${stderr}`)),
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

describe('appends from several processes to one SQLite file', () => {
  it('keeps every stream contiguous with one winner per version, and conflicts the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evented-race-'));
    dirs.push(dir);
    const file = join(dir, 'race.db');

    // The writers open the fresh file together (migrating it at once), then race from a barrier.
    const writers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => startWriter(file, `writer-${i}`)),
    );
    for (const { child } of writers) child.send({ type: 'go' });
    const tallies = await Promise.all(writers.map((w) => w.done));

    // Any error but a concurrency conflict (SQLITE_BUSY as UNAVAILABLE above all) fails.
    expect(tallies.flatMap((t) => t.errors)).toEqual([]);
    const conflicts = tallies.reduce((sum, t) => sum + t.conflicts, 0);
    const successes = tallies.reduce((sum, t) => sum + t.wins.length, 0);
    expect(successes + conflicts).toBe(WRITERS * ATTEMPTS);
    expect(conflicts, 'the writers did not race').toBeGreaterThan(0);

    const storage = await openSqliteStorage(file);
    try {
      const log: RecordedEvent[] = [];
      for (let page = await storage.eventStore.readAll(); ;) {
        log.push(...page.events);
        if (page.isEnd) break;
        page = await storage.eventStore.readAll({ after: page.position });
      }
      expect(log).toHaveLength(successes);

      const winners = new Map<string, { writer: string; win: Win }>();
      for (const tally of tallies) {
        for (const win of tally.wins) {
          const key = `${win.aggregateId}@${win.version}`;
          expect(winners.has(key), `two writers were told they wrote ${key}`).toBe(false);
          winners.set(key, { writer: tally.writer, win });
        }
      }
      for (let s = 0; s < STREAMS; s++) {
        const stream = { domain: 'race', aggregateId: `stream-${s}` };
        const events = await storage.eventStore.readStream(stream);
        expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
        expect(await storage.eventStore.streamVersion(stream)).toBe(events.length);
        for (const event of events) {
          // The event stored at each version is the one its writer was told it appended.
          const winner = winners.get(`${stream.aggregateId}@${event.version}`);
          expect(winner, `nobody was told they wrote version ${event.version}`).toBeDefined();
          expect(event.data).toEqual({ writer: winner!.writer, attempt: winner!.win.attempt });
          expect(String(event.position)).toBe(winner!.win.position);
        }
        // Within a stream, the global log has the versions in order.
        const inLog = log.filter((e) => e.aggregateId === stream.aggregateId);
        expect(inLog.map((e) => e.version)).toEqual(events.map((e) => e.version));
      }
    } finally {
      await storage.close();
    }
  });
});
