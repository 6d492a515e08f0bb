import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore, Position, RecordedEvent } from '@evented/core';
import { Evented, EventedConfig, START } from '@evented/core';
import { openSqliteStorage, sqliteProjector } from '@evented/sqlite';
import type { AccountEvent } from '@evented/example-bank';
import { balanceChange, buildBank } from '@evented/example-bank';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../test-fixtures/${name}`, import.meta.url));
const depositor = fixture('bank-depositor.mjs');
const stopper = fixture('projector-stopper.mjs');

const ACCOUNTS = 4;
const CLIENT = 'client';
const KILLS = 3;

/** What the child acknowledged: one line per dispatch that resolved. */
interface Ack {
  readonly n: number;
  readonly commandId: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly position: string;
  readonly duplicate: boolean;
}

/** The amount of deposit number n, as the child computes it. */
const depositAmount = (n: number): number => (n % 997) + 1;

const children = new Set<ChildProcess>();
const dirs: string[] = [];

function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'evented-crash-'));
  dirs.push(dir);
  return join(dir, name);
}

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs a fixture until `killNow` says so after some line of its stdout, kills it with
 * SIGKILL, and returns every complete line it wrote before it died.
 */
function runUntilKilled(args: readonly string[], killNow: (lines: readonly string[]) => boolean) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  let pending = '';
  let stderr = '';
  let killed = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop()!; // an unfinished line does not count
    lines.push(...parts);
    if (!killed && killNow(lines)) killed = child.kill('SIGKILL');
  });
  return new Promise<string[]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL' && killed) resolve(lines);
      else reject(new Error(`${args[0]} ended by itself (${code ?? signal}): ${stderr}`));
    });
  });
}

/**
 * Runs the depositor from deposit `first` on until `killAfter` acks have arrived, then a
 * random spin more, kills it and returns every ack it wrote.
 */
async function depositUntilKilled(file: string, first: number, killAfter: number) {
  const args = [depositor, file, CLIENT, String(ACCOUNTS), String(first)];
  const lines = await runUntilKilled(args, (acks) => {
    if (acks.length < killAfter) return false;
    // Acks arrive at about the same point of the child's cycle each time; a random spin of
    // a few cycles lands the kill anywhere in it (mid-append, mid-projection, ...).
    const until = performance.now() + Math.random() * 6;
    while (performance.now() < until);
    return true;
  });
  return lines.map((line) => JSON.parse(line) as Ack);
}

async function readLog(eventStore: EventStore): Promise<RecordedEvent[]> {
  const log: RecordedEvent[] = [];
  for (let after: Position = START; ;) {
    const page = await eventStore.readAll({ after, limit: 1000 });
    log.push(...page.events);
    if (page.isEnd) return log;
    after = page.position;
  }
}

/** Each account's balance from the events of the log up to `upTo`, in one pass. */
function balancesFrom(log: readonly RecordedEvent[], upTo?: Position): Record<string, number> {
  const balances: Record<string, number> = {};
  for (const event of log) {
    if (event.domain !== 'account' || (upTo !== undefined && event.position > upTo)) continue;
    const change = balanceChange(event as unknown as AccountEvent);
    balances[event.aggregateId] = (balances[event.aggregateId] ?? 0) + change;
  }
  return balances;
}

function rowsToBalances(rows: readonly { accountId: string; balance: number }[]) {
  return Object.fromEntries(rows.map((row) => [row.accountId, row.balance]));
}

/**
 * Checks the file as the crash left it, before anything reopens the application: every
 * acknowledged deposit is there, streams are contiguous, at most the one deposit in flight
 * is there unacknowledged, and the balances read model is exactly at its checkpoint.
 */
async function checkAfterCrash(file: string, acks: readonly Ack[]): Promise<void> {
  const storage = await openSqliteStorage(file);
  try {
    const { eventStore } = storage;
    const log = await readLog(eventStore);

    for (const ack of acks) {
      const record = await eventStore.findCommand(ack.commandId);
      expect(record, `acknowledged ${ack.commandId} is lost`).toEqual({
        commandId: ack.commandId,
        domain: 'account',
        aggregateId: ack.aggregateId,
        fromVersion: ack.version - 1,
        toVersion: ack.version,
      });
      const [event] = await eventStore.readStream(record!, { fromVersion: ack.version, limit: 1 });
      expect(event).toMatchObject({
        type: 'Deposited',
        version: ack.version,
        data: { amount: depositAmount(ack.n) },
        causationId: ack.commandId,
      });
      expect(String(event!.position)).toBe(ack.position);
    }

    for (let a = 0; a < ACCOUNTS; a++) {
      const stream = { domain: 'account', aggregateId: `account-${a}` };
      const events = await eventStore.readStream(stream);
      expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
      expect(await eventStore.streamVersion(stream)).toBe(events.length);
      expect(events[0]!.type).toBe('AccountOpened');
    }

    // Deposits are sent one at a time, so the log holds deposits 0..k-1 exactly once each,
    // where k is the number acknowledged, plus at most deposit k, in flight at the kill.
    const acked = new Set(acks.map((ack) => ack.n));
    const deposits = log
      .filter((e) => e.type === 'Deposited')
      .map((e) => Number(e.causationId!.slice(CLIENT.length + 1)));
    expect(new Set(deposits).size, 'a deposit was recorded twice').toBe(deposits.length);
    const k = acked.size;
    expect([...acked].sort((x, y) => x - y)).toEqual([...Array(k).keys()]);
    expect(deposits.filter((n) => !acked.has(n))).toEqual(deposits.length > k ? [k] : []);

    // The read model commits with its checkpoint: at any kill it is exactly at the checkpoint.
    const checkpoint = (await storage.checkpointStore.loadCheckpoint('balances')) ?? START;
    const rows = storage.database
      .prepare('SELECT account_id AS accountId, balance FROM bank_balances')
      .all() as { accountId: string; balance: number }[];
    expect(rowsToBalances(rows)).toEqual(balancesFrom(log, checkpoint));
  } finally {
    await storage.close();
  }
}

/**
 * Reopens the bank: the projector resumes from its checkpoint and ends at the balances of the
 * whole log; repeating acknowledged commands returns their first result and appends nothing.
 */
async function checkReopened(file: string, acks: readonly Ack[]): Promise<void> {
  const { evented, balances } = await buildBank({
    ...EventedConfig.sqlite(file),
    nodeId: 'crash-test',
  });
  try {
    await evented.waitForProcessors({ timeoutMs: 10_000 });
    const { eventStore } = evented.storage;
    const log = await readLog(eventStore);
    const head = await eventStore.headPosition();
    expect(rowsToBalances(balances.list())).toEqual(balancesFrom(log));
    const status = evented.processors().find((p) => p.name === 'balances');
    expect(status?.checkpoint).toBe(head);

    const sample = [acks[0]!, acks[acks.length >> 1]!, acks.at(-1)!];
    for (const ack of sample) {
      const result = await evented.dispatch({
        domain: 'account',
        aggregateId: ack.aggregateId,
        type: 'Deposit',
        data: { amount: depositAmount(ack.n) },
        commandId: ack.commandId,
      });
      expect(result).toMatchObject({ duplicate: true, version: ack.version });
      expect(result.events.map((e) => String(e.position))).toEqual([ack.position]);
    }
    expect(await eventStore.headPosition()).toBe(head);
  } finally {
    await evented.close();
  }
}

describe('the bank on a SQLite file, killed with SIGKILL mid-stream', () => {
  it('keeps every acknowledged command, and its projector resumes exactly once', async () => {
    const file = tempFile('bank.db');

    const acks: Ack[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const killAfter = 200 + Math.floor(Math.random() * 400);
      // The next child starts at the first unacknowledged deposit, as a client would retry.
      const run = await depositUntilKilled(file, acks.length, killAfter);
      expect(run.length).toBeGreaterThanOrEqual(killAfter);
      acks.push(...run);
      await checkAfterCrash(file, acks);
      await checkReopened(file, acks);
    }
  });
});

/** The read model of projector-stopper.mjs: how often each event was handled. */
const counter = () =>
  sqliteProjector({
    name: 'counter',
    schema:
      'CREATE TABLE IF NOT EXISTS handled (event_id TEXT PRIMARY KEY, times INTEGER NOT NULL)',
    handle(event, db) {
      db.prepare(
        'INSERT INTO handled (event_id, times) VALUES (?, 1) ON CONFLICT (event_id) DO UPDATE SET times = times + 1',
      ).run(event.id);
    },
  });

describe('a transactional SQLite projector killed inside a page', () => {
  it('leaves neither the page nor its checkpoint, and handles it once after a restart', async () => {
    const file = tempFile('projector.db');
    const stream = { domain: 'tick', aggregateId: 'clock' };
    const storage = await openSqliteStorage(file);
    const recorded: RecordedEvent[] = [];
    for (let n = 1; n <= 20; n++) {
      const { events } = await storage.eventStore.appendToStream(
        stream,
        [{ type: 'Ticked', data: { n } }],
        { expectedVersion: n - 1 },
      );
      recorded.push(...events);
    }
    await storage.close();

    // Pages of 5: events 1-10 commit, then the child blocks at event 12, mid-page, and dies.
    await runUntilKilled([stopper, file, '12'], (lines) => lines.includes('inside'));

    const afterKill = await openSqliteStorage(file);
    try {
      expect(await afterKill.checkpointStore.loadCheckpoint('counter')).toBe(recorded[9]!.position);
      const handled = afterKill.database
        .prepare('SELECT event_id AS id, times FROM handled ORDER BY rowid')
        .all();
      expect(handled).toEqual(recorded.slice(0, 10).map((e) => ({ id: e.id, times: 1 })));
    } finally {
      await afterKill.close();
    }

    const projector = counter();
    const evented = await Evented.builder({ ...EventedConfig.sqlite(file), nodeId: 'crash-test' })
      .withProjector(projector)
      .build();
    try {
      await evented.waitForProcessors({ timeoutMs: 10_000 });
      const handled = projector.database
        .prepare('SELECT event_id AS id, times FROM handled ORDER BY rowid')
        .all();
      expect(handled).toEqual(recorded.map((e) => ({ id: e.id, times: 1 })));
    } finally {
      await evented.close();
    }
  });
});
