import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { RecordedEvent } from '@evented/core';
import { START } from '@evented/core';
import type { EventedClient } from '@evented/grpc';

/** The remote projector process, test-fixtures/audit-projector.mjs. */
const AUDIT_PROJECTOR = fileURLToPath(
  new URL('../test-fixtures/audit-projector.mjs', import.meta.url),
);

const children = new Set<ChildProcess>();

/** A port that was free a moment ago on 127.0.0.1: listen on 0, note the port, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  server.close();
  await once(server, 'close');
  return address.port;
}

/** A running audit projector process. */
export interface AuditProjectorProcess {
  readonly child: ChildProcess;
  /** The position it stalled at (only when started with `stallAt`); rejects if it exits first. */
  readonly stalled: Promise<bigint>;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
}

/**
 * Starts the audit projector on `address` with its read model in `file`, and waits until
 * it listens. With `stallAt`, it stops answering once it has applied that position.
 */
export async function startAuditProjector(
  address: string,
  file: string,
  stallAt?: bigint,
): Promise<AuditProjectorProcess> {
  const args = [AUDIT_PROJECTOR, address, file, ...(stallAt === undefined ? [] : [`${stallAt}`])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let onStalled = (_position: bigint): void => {};
  const stalled = new Promise<bigint>((resolve, reject) => {
    onStalled = resolve;
    void exited.then(() => reject(new Error(`the audit projector exited: ${stderr}`)));
  });
  stalled.catch(() => {}); // awaited only by tests that stall it
  const listening = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('listening ')) resolve();
      if (line.startsWith('stalled ')) onStalled(BigInt(line.slice('stalled '.length)));
    });
    void exited.then(() => reject(new Error(`the audit projector exited: ${stderr}`)));
  });
  await listening;
  return {
    child,
    stalled,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      children.delete(child);
    },
  };
}

/** Kills every audit projector still running; call in `afterEach`. */
export async function killAuditProjectors(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      children.delete(child);
    }),
  );
}

/** One row of the audit read model. */
export interface AuditRow {
  readonly position: bigint;
  readonly eventId: string;
  readonly domain: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly type: string;
  readonly data: unknown;
}

/** What the audit projector holds: its rows in position order, and its progress. */
export interface AuditReadModel {
  readonly rows: AuditRow[];
  readonly lastPosition: bigint;
  /** Project calls committed, and events in them skipped as applied already. */
  readonly calls: number;
  readonly skipped: number;
}

/** Reads the audit projector's file (safe while it runs: WAL). */
export function readAudit(file: string): AuditReadModel {
  const db = new Database(file, { fileMustExist: true });
  try {
    const rows = db
      .prepare(
        'SELECT position, event_id, domain, aggregate_id, version, type, data FROM applied ORDER BY position',
      )
      .safeIntegers()
      .all() as {
      position: bigint;
      event_id: string;
      domain: string;
      aggregate_id: string;
      version: bigint;
      type: string;
      data: string;
    }[];
    const progress = db
      .prepare('SELECT last_position, calls, skipped FROM progress')
      .safeIntegers()
      .get() as { last_position: bigint; calls: bigint; skipped: bigint };
    return {
      rows: rows.map((row) => ({
        position: row.position,
        eventId: row.event_id,
        domain: row.domain,
        aggregateId: row.aggregate_id,
        version: Number(row.version),
        type: row.type,
        data: JSON.parse(row.data) as unknown,
      })),
      lastPosition: progress.last_position,
      calls: Number(progress.calls),
      skipped: Number(progress.skipped),
    };
  } finally {
    db.close();
  }
}

/** The whole global log, page by page. */
export async function readLog(client: EventedClient): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after = START;
  for (;;) {
    const page = await client.readAll({ after, limit: 1000 });
    events.push(...page.events);
    if (page.isEnd || page.events.length === 0) return events;
    after = page.position;
  }
}

/** An audit row as the log says it should be. */
export function auditRowOf(event: RecordedEvent): AuditRow {
  return {
    position: event.position,
    eventId: event.id,
    domain: event.domain,
    aggregateId: event.aggregateId,
    version: event.version,
    type: event.type,
    data: event.data,
  };
}
