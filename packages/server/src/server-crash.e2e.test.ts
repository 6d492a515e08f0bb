import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { CommandResult, RecordedEvent } from '@evented/core';
import { EventedClient } from '@evented/grpc';
import { killServers, serve } from './cli-process.fixture.js';
import {
  auditRowOf,
  freePort,
  killAuditProjectors,
  readAudit,
  readLog,
  startAuditProjector,
} from './remote-projector.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-server-crash-'));
const clients: EventedClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await killServers();
  await killAuditProjectors();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ACCOUNTS = 4;
/** Concurrent callers, two per account: their commands also conflict and get retried. */
const CALLERS = 8;
/** The remote projector is paused (SIGSTOP) once this many deposits have been acknowledged. */
const PAUSE_AFTER = 50;
/** The server is killed once this many deposits have been acknowledged. */
const KILL_AFTER = 200;

/** A deposit command: its id says who sent it and when, its amount is known in advance. */
const deposit = (caller: number, n: number) => ({
  domain: 'account',
  aggregateId: `acc-${caller % ACCOUNTS}`,
  type: 'Deposit',
  data: { amount: caller * 1000 + n },
  commandId: `deposit-${caller}-${n}`,
});
type Deposit = ReturnType<typeof deposit>;

/** What the server acknowledged of a command: the positions and versions it reported. */
const ackOf = (result: CommandResult) => ({
  commandId: result.commandId,
  version: result.version,
  events: result.events.map(({ id, position, version, type, data }) => ({
    id,
    position,
    version,
    type,
    data,
  })),
});

describe('evented serve killed with SIGKILL under load and restarted', () => {
  it('keeps every acknowledged command, and its remote and in-process projectors catch up', async () => {
    const projectorAddress = `127.0.0.1:${await freePort()}`;
    const auditFile = join(dir, 'audit.db');
    const eventsFile = join(dir, 'events.db');
    const config = join(dir, 'serve.yaml');
    writeFileSync(
      config,
      [
        'listen: 127.0.0.1:0',
        'http: off',
        `store: sqlite:${eventsFile}`,
        'projectors:',
        `  - { name: audit, address: "${projectorAddress}" }`,
        '',
      ].join('\n'),
    );
    const projector = await startAuditProjector(projectorAddress, auditFile);
    const first = await serve([], { EVENTED_CONFIG: config });
    const before = new EventedClient(first.grpc);
    clients.push(before);
    for (let a = 0; a < ACCOUNTS; a++) {
      await before.dispatch({
        domain: 'account',
        aggregateId: `acc-${a}`,
        type: 'OpenAccount',
        data: { owner: `Owner ${a}` },
        commandId: `open-${a}`,
      });
    }

    // Callers send deposits one after the other until a call fails; the server is killed
    // by the caller whose acknowledgement is number KILL_AFTER, with the others in flight.
    // The remote projector is paused before, so that it is behind when the server dies and
    // has to catch up from the checkpoint the server stored for it.
    const acknowledged: { command: Deposit; ack: ReturnType<typeof ackOf> }[] = [];
    const unknown: Deposit[] = []; // in flight at the kill: recorded or not, never half
    const failedBeforeKill: unknown[] = [];
    let killed = false;
    const callers = Array.from({ length: CALLERS }, async (_, caller) => {
      const own = new EventedClient(first.grpc); // a connection of its own
      clients.push(own);
      for (let n = 1; ; n++) {
        const command = deposit(caller, n);
        try {
          acknowledged.push({ command, ack: ackOf(await own.dispatch(command)) });
        } catch (error) {
          if (!killed) failedBeforeKill.push(error);
          unknown.push(command);
          return;
        }
        if (acknowledged.length === PAUSE_AFTER) projector.child.kill('SIGSTOP');
        if (acknowledged.length === KILL_AFTER && !killed) {
          killed = first.child.kill('SIGKILL');
        }
      }
    });
    await Promise.all(callers);
    expect(failedBeforeKill).toEqual([]);
    expect((await first.stop('SIGKILL')).code).toBeNull(); // already dead: just the exit
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(unknown).toHaveLength(CALLERS);

    // The same file, a new process; the projector process lived on, paused, and resumes now.
    const second = await serve([], { EVENTED_CONFIG: config });
    const client = new EventedClient(second.grpc);
    clients.push(client);
    const log = await readLog(client);
    const byPosition = new Map(log.map((event) => [event.position, event]));
    expect(readAudit(auditFile).rows.length).toBeLessThan(log.length);
    projector.child.kill('SIGCONT');

    // Every acknowledged command's events are in the log as they were acknowledged.
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
    for (const { command, ack } of acknowledged) {
      expect(ack.events).toHaveLength(1);
      for (const event of ack.events) {
        expect(byPosition.get(event.position)).toMatchObject({
          ...event,
          aggregateId: command.aggregateId,
          causationId: command.commandId,
        });
      }
    }

    // Each deposit in the log comes from one command, acknowledged or in flight at the kill.
    const sent = new Map(
      [...acknowledged.map(({ command }) => command), ...unknown].map((c) => [c.commandId, c]),
    );
    const deposits = log.filter((event) => event.type === 'Deposited');
    const causes = deposits.map((event) => event.causationId!);
    expect(new Set(causes).size).toBe(causes.length);
    for (const event of deposits) {
      expect(sent.get(event.causationId!)?.data).toEqual(event.data);
    }
    expect(deposits.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(deposits.length).toBeLessThanOrEqual(acknowledged.length + unknown.length);

    // Every stream's versions are 1..n in the order of the log.
    expect(versionsByStream(log)).toEqual(
      new Map(
        Array.from({ length: ACCOUNTS }, (_, a) => {
          const count = log.filter((event) => event.aggregateId === `acc-${a}`).length;
          return [`account/acc-${a}`, Array.from({ length: count }, (_, i) => i + 1)];
        }),
      ),
    );

    // Sent again, an acknowledged command is a duplicate with its first result; one that
    // was in flight is a duplicate if its events are in the log, and runs now if not.
    for (const { command, ack } of acknowledged) {
      const again = await client.dispatch(command);
      expect({ duplicate: again.duplicate, ...ackOf(again) }).toEqual({
        duplicate: true,
        ...ack,
      });
    }
    for (const command of unknown) {
      const recorded = deposits.find((event) => event.causationId === command.commandId);
      const again = await client.dispatch(command);
      expect(again.duplicate).toBe(recorded !== undefined);
      if (recorded) expect(again.events.map((e) => e.id)).toEqual([recorded.id]);
    }

    // The in-process processors (balances, transfers) and the remote audit projector
    // all catch up to the head.
    const final = await readLog(client);
    const head = final.at(-1)!.position;
    await vi.waitFor(
      async () => {
        const processors = await client.processors();
        expect(processors.map(({ name }) => name).sort()).toEqual([
          'audit',
          'balances',
          'transfers',
        ]);
        for (const processor of processors) {
          expect(processor).toMatchObject({ state: 'live', checkpoint: head, failure: undefined });
        }
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(readAudit(auditFile).rows).toEqual(final.map(auditRowOf));
    expect(readBalances(eventsFile)).toEqual(balancesOf(final));
  });
});

/** The versions of each stream, `domain/aggregateId`, in log order. */
function versionsByStream(log: readonly RecordedEvent[]): Map<string, number[]> {
  const streams = new Map<string, number[]>();
  for (const event of log) {
    const key = `${event.domain}/${event.aggregateId}`;
    streams.set(key, [...(streams.get(key) ?? []), event.version]);
  }
  return streams;
}

/** Each account's balance as the log says: opened at 0, plus its deposits. */
function balancesOf(log: readonly RecordedEvent[]): Record<string, number> {
  const balances: Record<string, number> = {};
  for (const event of log) {
    if (event.type === 'AccountOpened') balances[event.aggregateId] = 0;
    if (event.type === 'Deposited') {
      balances[event.aggregateId]! += (event.data as { amount: number }).amount;
    }
  }
  return balances;
}

/** The balances projector's read model, in the server's own SQLite file. */
function readBalances(file: string): Record<string, number> {
  const db = new Database(file, { fileMustExist: true });
  try {
    const rows = db.prepare('SELECT account_id, balance FROM bank_balances').all() as {
      account_id: string;
      balance: number;
    }[];
    return Object.fromEntries(rows.map((row) => [row.account_id, row.balance]));
  } finally {
    db.close();
  }
}
