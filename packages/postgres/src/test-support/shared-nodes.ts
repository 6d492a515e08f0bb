// What shared-processors.int.test.ts works with: child nodes sharing the projector `totals`
// (test-fixtures/shared-node.mjs), a steady command load, and the checks of the read model
// against the log.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Decider, Position, RecordedEvent } from '@evented/core';
import { Evented, EventedConfig, START, silentLogger } from '@evented/core';
import { adminPool, POSTGRES_URL } from './postgres-service.js';

const fixture = fileURLToPath(new URL('../../test-fixtures/shared-node.mjs', import.meta.url));

/** One JSON line of a node's stdout. */
export interface NodeLine {
  readonly time: number;
  readonly ready?: boolean;
  readonly owned?: readonly number[];
  readonly log?: string;
  readonly level?: string;
  readonly segment?: number;
  readonly token?: number;
  readonly code?: string;
  readonly error?: string;
}

/** A claim a node logged: `segment claimed` with its token, at the node's clock. */
export interface LoggedClaim {
  readonly node: string;
  readonly segment: number;
  readonly token: number;
  readonly time: number;
}

/** How a node runs the projector. */
export interface NodeOptions {
  readonly segments: number;
  readonly leaseMs: number;
  /** Sleep per event inside the page's transaction. */
  readonly delayMs?: number;
  readonly batchSize?: number;
}

/** A child process running one node of the application with the projector `totals`. */
export class SharedNode {
  readonly lines: NodeLine[] = [];
  /** The segments the node works, as it last reported them. */
  owned: readonly number[] = [];
  #stderr = '';
  #pending = '';
  #exit: string | undefined;
  #signalled = false;
  readonly #child: ChildProcess;

  constructor(
    readonly name: string,
    schema: string,
    options: NodeOptions,
  ) {
    const args = [
      fixture,
      POSTGRES_URL,
      schema,
      name,
      String(options.segments),
      String(options.leaseMs),
      String(options.delayMs ?? 0),
      String(options.batchSize ?? 50),
    ];
    this.#child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (this.#pending + chunk.toString()).split('\n');
      this.#pending = parts.pop()!;
      for (const part of parts) {
        let line: NodeLine;
        try {
          line = JSON.parse(part) as NodeLine;
        } catch {
          // Not one of the fixture's lines (a library writing to stdout): keep it as stderr.
          this.#stderr += `${part}\n`;
          continue;
        }
        this.lines.push(line);
        if (line.owned) this.owned = line.owned;
      }
    });
    this.#child.once('close', (code, signal) => (this.#exit = `${code ?? signal}`));
  }

  /** Sends a signal; SIGKILL and SIGSTOP are expected, so the node is not reported as crashed. */
  signal(signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): void {
    if (signal === 'SIGKILL') this.#signalled = true;
    this.#child.kill(signal);
  }

  /** Throws if the node ended without being killed, with its stderr. */
  assertAlive(): void {
    if (this.#exit !== undefined && !this.#signalled) {
      throw new Error(`node ${this.name} exited (${this.#exit}): ${this.#stderr}`);
    }
  }

  /** Kills the node (a stopped one too) and waits for it to be gone. */
  async dispose(): Promise<void> {
    this.#signalled = true;
    if (this.#exit !== undefined) return;
    const closed = new Promise((resolve) => this.#child.once('close', resolve));
    this.#child.kill('SIGKILL');
    await closed;
  }

  /** The segments the node claimed, with their tokens, in order. */
  claims(): LoggedClaim[] {
    return this.lines
      .filter((line) => line.log === 'segment claimed')
      .map((line) => ({
        node: this.name,
        segment: line.segment!,
        token: line.token!,
        time: line.time,
      }));
  }

  /** Log lines with the given message. */
  logged(message: string): NodeLine[] {
    return this.lines.filter((line) => line.log === message);
  }
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs` saying `what`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
  nodes: readonly SharedNode[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const node of nodes) node.assertAlive();
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(20);
  }
}

/** Creates the read model's tables (see the fixture), before any node starts. */
export async function createReadModel(schema: string): Promise<void> {
  await adminPool().query(`
    CREATE TABLE "${schema}".totals (
      aggregate_id text PRIMARY KEY, total bigint NOT NULL, events integer NOT NULL);
    CREATE TABLE "${schema}".applied (
      position numeric PRIMARY KEY, node text NOT NULL, segment integer NOT NULL, token bigint,
      times integer NOT NULL DEFAULT 1, applied_at timestamptz NOT NULL DEFAULT clock_timestamp());
  `);
}

/** The counter the load sends to: every `Add` records an `Added` of its amount. */
const counter: Decider<null, { type: 'Add'; data: { amount: number } }> = {
  initialState: () => null,
  evolve: (state) => state,
  decide: (command) => ({ type: 'Added', data: { amount: command.data.amount } }),
};

/** An application on the schema without processors, the one the load dispatches through. */
export function openDispatcher(schema: string): Promise<Evented> {
  return Evented.builder({
    ...EventedConfig.postgres(POSTGRES_URL, { schema }),
    logger: silentLogger,
  })
    .withBusinessLogic('account', counter)
    .build();
}

/** A steady load of `Add` commands over `accounts` aggregates, one at a time, `pauseMs` apart. */
export function startLoad(app: Evented, accounts: number, pauseMs: number) {
  let running = true;
  let sent = 0;
  const done = (async () => {
    for (let n = 0; running; n++) {
      await app.dispatch({
        domain: 'account',
        aggregateId: `acct-${n % accounts}`,
        type: 'Add',
        data: { amount: (n % 7) + 1 },
      });
      sent += 1;
      await sleep(pauseMs);
    }
  })();
  // A failed dispatch fails the test when it stops the load; until then keep it handled.
  done.catch(() => undefined);
  return {
    get sent() {
      return sent;
    },
    async stop(): Promise<number> {
      running = false;
      await done;
      return sent;
    },
  };
}

/** The name of a segment's checkpoint: `totals@i/n`, or `totals` for one segment. */
const checkpointOf = (index: number, count: number) =>
  count === 1 ? 'totals' : `totals@${index}/${count}`;

/** Waits until every segment's stored checkpoint has reached the head of the log. */
export async function waitForHead(
  app: Evented,
  segments: number,
  timeoutMs: number,
  nodes: readonly SharedNode[],
): Promise<void> {
  const head = await app.storage.eventStore.headPosition();
  const behind = async (): Promise<string[]> => {
    const late: string[] = [];
    for (let i = 0; i < segments; i++) {
      const stored = await app.storage.checkpointStore.loadCheckpoint(checkpointOf(i, segments));
      if (stored === undefined || stored < head) late.push(`${i}: ${stored}`);
    }
    return late;
  };
  let late: string[] = [];
  await waitUntil(
    async () => (late = await behind()).length === 0,
    timeoutMs,
    () => `segments behind the head ${head}: ${late.join(', ')}`,
    nodes,
  );
}

/** The whole log, from the start. */
export async function readLog(app: Evented): Promise<RecordedEvent[]> {
  const log: RecordedEvent[] = [];
  for (let after: Position = START; ;) {
    const page = await app.storage.eventStore.readAll({ after, limit: 1000 });
    log.push(...page.events);
    if (page.isEnd) return log;
    after = page.position;
  }
}

/** One row of the `applied` table. */
export interface AppliedRow {
  readonly position: string;
  readonly node: string;
  readonly segment: number;
  readonly token: number | null;
  readonly times: number;
  /** When the row was inserted, in ms since the epoch (the server's clock, this machine's). */
  readonly at: number;
}

/** The read model as the nodes left it. */
export async function readModel(schema: string): Promise<{
  totals: Map<string, { total: number; events: number }>;
  applied: AppliedRow[];
}> {
  const pool = adminPool();
  const totals = await pool.query<{ id: string; total: string; events: number }>(
    `SELECT aggregate_id AS id, total::text, events FROM "${schema}".totals`,
  );
  const applied = await pool.query<AppliedRow>(
    `SELECT position::text, node, segment, token::integer AS token, times,
            extract(epoch FROM applied_at)::float8 * 1000 AS at
     FROM "${schema}".applied ORDER BY position`,
  );
  return {
    totals: new Map(totals.rows.map((r) => [r.id, { total: Number(r.total), events: r.events }])),
    applied: applied.rows,
  };
}

/** The totals computed from the whole log in one pass. */
export function projectInOnePass(log: readonly RecordedEvent[]) {
  const totals = new Map<string, { total: number; events: number }>();
  for (const event of log) {
    const current = totals.get(event.aggregateId) ?? { total: 0, events: 0 };
    const { amount } = event.data as { amount: number };
    totals.set(event.aggregateId, { total: current.total + amount, events: current.events + 1 });
  }
  return totals;
}

/**
 * Rows that break "each row was committed under the claim that was newest when it was
 * written": its token must be a claim its node logged for its segment, and it must have been
 * written before the segment's next claim (by the node that was given the next token).
 */
export function writtenAfterTheirClaimEnded(
  applied: readonly AppliedRow[],
  claims: readonly LoggedClaim[],
): { row: AppliedRow; problem: string }[] {
  const bySegment = new Map<number, LoggedClaim[]>();
  for (const claim of claims) {
    bySegment.set(claim.segment, [...(bySegment.get(claim.segment) ?? []), claim]);
  }
  for (const list of bySegment.values()) list.sort((a, b) => a.token - b.token);
  const problems: { row: AppliedRow; problem: string }[] = [];
  for (const row of applied) {
    const list = bySegment.get(row.segment) ?? [];
    const own = list.find((claim) => claim.token === row.token);
    if (!own || own.node !== row.node) {
      problems.push({ row, problem: `node never logged claim ${row.token} of the segment` });
      continue;
    }
    const next = list.find((claim) => claim.token > own.token);
    if (next && row.at > next.time) {
      problems.push({
        row,
        problem: `written ${Math.round(row.at - next.time)} ms after ${next.node} claimed token ${next.token}`,
      });
    }
  }
  return problems;
}
