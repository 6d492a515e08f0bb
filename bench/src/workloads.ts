import type { AccountEvent } from '@evented/example-bank';
import { expectedBalance, foldAccount, nthCommand } from './bank.js';
import { w8, w9 } from './projection-workloads.js';
import type { Measurement } from './row.js';
import type { Sizes } from './sizes.js';
import { snapshotLoad } from './snapshot-load.js';
import { latencies, now, perSecond } from './stats.js';
import { ConflictError } from './targets/target.js';
import type {
  BenchEvent,
  CommandServer,
  ReadBackEvent,
  StreamRef,
  Target,
  TargetRole,
  WorkloadId,
} from './targets/target.js';

/** A workload: the work on an opened target, timed and verified. */
export type Workload = (target: Target, sizes: Sizes) => Promise<Measurement>;

/** A workload on a server in another process, with `callers` callers at once. */
export type ServerWorkload = (
  server: CommandServer,
  sizes: Sizes,
  callers: number,
) => Promise<Measurement>;

const stream = (domain: string, i: number): StreamRef => ({ domain, aggregateId: `s-${i}` });
const deposit = (amount: number): BenchEvent => ({ type: 'Deposited', data: { amount } });
const batch = (size: number, first: number): BenchEvent[] =>
  Array.from({ length: size }, (_, i) => deposit(first + i));

/** Appends `count` events to `streams` new streams in batches of at most 100, untimed. */
async function seed(target: Target, domain: string, streams: number, perStream: number) {
  for (let s = 0; s < streams; s++) {
    for (let v = 0; v < perStream; v += 100) {
      const size = Math.min(100, perStream - v);
      await target.appendToStream(stream(domain, s), batch(size, v + 1), v);
    }
  }
}

/** Whether every stream holds exactly `length` events with versions 1..length. */
async function streamsHold(target: Target, domain: string, streams: number, length: number) {
  for (let s = 0; s < streams; s++) {
    const events = await target.readStream(stream(domain, s));
    if (events.length !== length || events.at(-1)?.version !== length) return false;
  }
  return true;
}

const w1: Workload = async (target, { w1Streams, w1AppendsPerStream }) => {
  const ms: number[] = [];
  let versionsRight = true;
  const start = now();
  for (let v = 0; v < w1AppendsPerStream; v++) {
    for (let s = 0; s < w1Streams; s++) {
      const t = now();
      const version = await target.appendToStream(stream('w1', s), [deposit(1)], v);
      ms.push(now() - t);
      versionsRight &&= version === v + 1;
    }
  }
  const elapsed = now() - start;
  const verified =
    versionsRight && (await streamsHold(target, 'w1', w1Streams, w1AppendsPerStream));
  return { opsPerSec: perSecond(ms.length, elapsed), ...latencies(ms), verified };
};

const w2: Workload = async (target, { w2Appends, w2BatchSize }) => {
  let versionsRight = true;
  const start = now();
  for (let s = 0; s < w2Appends; s++) {
    const version = await target.appendToStream(stream('w2', s), batch(w2BatchSize, 1), 0);
    versionsRight &&= version === w2BatchSize;
  }
  const elapsed = now() - start;
  const verified = versionsRight && (await streamsHold(target, 'w2', w2Appends, w2BatchSize));
  return {
    opsPerSec: perSecond(w2Appends, elapsed),
    eventsPerSec: perSecond(w2Appends * w2BatchSize, elapsed),
    verified,
  };
};

const w3: Workload = async (target, { w3StreamLength, w3Reads }) => {
  await seed(target, 'w3', 1, w3StreamLength);
  let verified = true;
  const start = now();
  for (let r = 0; r < w3Reads; r++) {
    const events = await target.readStream(stream('w3', 0));
    verified &&= events.length === w3StreamLength && events.at(-1)?.version === w3StreamLength;
  }
  const elapsed = now() - start;
  return {
    opsPerSec: perSecond(w3Reads, elapsed),
    eventsPerSec: perSecond(w3Reads * w3StreamLength, elapsed),
    verified,
  };
};

const w4: Workload = async (target, { w4Events, w4PageSize }) => {
  if (!target.readAll) throw new Error('readAll missing');
  const perStream = 100;
  await seed(target, 'w4', Math.ceil(w4Events / perStream), perStream);
  await target.analyze?.();
  const total = Math.ceil(w4Events / perStream) * perStream;
  let count = 0;
  let sum = 0;
  let after = 0n;
  let ordered = true;
  const start = now();
  for (;;) {
    const page = await target.readAll(after, w4PageSize);
    count += page.events.length;
    for (const e of page.events) sum += (e.data as { amount: number }).amount;
    ordered &&= page.position > after || page.isEnd;
    after = page.position;
    if (page.isEnd || page.events.length === 0) break;
  }
  const elapsed = now() - start;
  const expectedSum = (total / perStream) * ((perStream * (perStream + 1)) / 2);
  return {
    eventsPerSec: perSecond(count, elapsed),
    verified: ordered && count === total && sum === expectedSum,
  };
};

const w5: Workload = async (target, { w5Accounts, w5CommandsPerAccount }) => {
  if (!target.handleCommand) throw new Error('handleCommand missing');
  const ms: number[] = [];
  const start = now();
  for (let n = 0; n < w5CommandsPerAccount; n++) {
    for (let a = 0; a < w5Accounts; a++) {
      const t = now();
      await target.handleCommand(nthCommand(`acc-${a}`, n));
      ms.push(now() - t);
    }
  }
  const elapsed = now() - start;
  const verified = await accountsHold(
    (stream) => target.readStream(stream),
    w5Accounts,
    w5CommandsPerAccount,
  );
  return { opsPerSec: perSecond(ms.length, elapsed), ...latencies(ms), verified };
};

/**
 * Whether every account holds exactly `commands` events, versions 1..commands, and the
 * balance W5's commands leave.
 */
async function accountsHold(
  readStream: (stream: StreamRef) => Promise<readonly ReadBackEvent[]>,
  accounts: number,
  commands: number,
): Promise<boolean> {
  for (let a = 0; a < accounts; a++) {
    const events = await readStream({ domain: 'account', aggregateId: `acc-${a}` });
    const state = foldAccount(events as unknown as AccountEvent[]);
    const versionsRight = events.every((event, i) => event.version === i + 1);
    if (events.length !== commands || !versionsRight) return false;
    if (state.balance !== expectedBalance(commands)) return false;
  }
  return true;
}

/**
 * Sends W5's commands to `accounts` accounts named `prefix-i` with `callers` callers at once.
 * Account `i` belongs to caller `i % callers`, which sends its accounts' commands in W5's
 * round-robin order, each after the previous one returned: one account's commands stay in
 * order. Returns each command's latency, the elapsed time, and whether every dispatch
 * returned the version it should.
 */
async function sendCommands(
  server: CommandServer,
  prefix: string,
  accounts: number,
  commands: number,
  callers: number,
): Promise<{ ms: number[]; elapsed: number; versionsRight: boolean }> {
  const ms: number[] = [];
  let versionsRight = true;
  const caller = async (first: number): Promise<void> => {
    for (let n = 0; n < commands; n++) {
      for (let a = first; a < accounts; a += callers) {
        const t = now();
        const version = await server.dispatch(nthCommand(`${prefix}-${a}`, n));
        ms.push(now() - t);
        versionsRight &&= version === n + 1;
      }
    }
  };
  const start = now();
  await Promise.all(Array.from({ length: Math.min(callers, accounts) }, (_, c) => caller(c)));
  return { ms, elapsed: now() - start, versionsRight };
}

/**
 * W5 over gRPC: the same commands, sent by `callers` callers at once (see
 * {@link sendCommands}), after an untimed warm-up of the same shape on other accounts: the
 * server and client have just started, and their first few thousand calls run unoptimised
 * code. The warm-up's own figures go into the notes.
 */
const w6: ServerWorkload = async (server, sizes, callers) => {
  const { w5Accounts, w5CommandsPerAccount, w6WarmUpAccounts } = sizes;
  const warm = await sendCommands(
    server,
    'warm-up',
    w6WarmUpAccounts,
    w5CommandsPerAccount,
    callers,
  );
  const run = await sendCommands(server, 'acc', w5Accounts, w5CommandsPerAccount, callers);
  const verified =
    warm.versionsRight &&
    run.versionsRight &&
    (await accountsHold((stream) => server.readStream(stream), w5Accounts, w5CommandsPerAccount));
  const who = callers === 1 ? 'one caller in sequence' : `${callers} concurrent callers`;
  const warmUp = latencies(warm.ms);
  return {
    opsPerSec: perSecond(run.ms.length, run.elapsed),
    ...latencies(run.ms),
    verified,
    notes:
      `${who} (account i to caller i % ${callers}) sharing one EventedClient; ` +
      `warm-up: ${warm.ms.length.toLocaleString('en-US')} commands to ${w6WarmUpAccounts} ` +
      `other accounts first, untimed (${perSecond(warm.ms.length, warm.elapsed)} commands/s, ` +
      `p50 ${warmUp.p50Ms} ms, p99 ${warmUp.p99Ms} ms)`,
  };
};

/** Whether an append failed because the stream was not at the expected version. */
const isConflict = (error: unknown): boolean =>
  error instanceof ConflictError ||
  (error as { code?: unknown } | undefined)?.code === 'CONCURRENCY_CONFLICT';

/**
 * W7: `w7Writers` writers at once, each making `w7AttemptsPerWriter` appends of one event to
 * one of `w7Streams` shared streams (chosen by a seeded generator), with the version it last
 * saw there as the expected version. A conflict re-reads the stream for its version (timed).
 * Verified when every stream holds versions 1..n with no gap or duplicate, and holds exactly
 * the attempts that succeeded, each once.
 */
const w7: Workload = async (target, { w7Writers, w7Streams, w7AttemptsPerWriter }) => {
  let successes = 0;
  let conflicts = 0;
  let versionsRight = true;
  const succeeded = new Set<string>();
  const writer = async (w: number): Promise<void> => {
    const known = new Array<number>(w7Streams).fill(0);
    let seed = 7919 * (w + 1);
    for (let i = 0; i < w7AttemptsPerWriter; i++) {
      seed = (seed * 48271) % 2147483647;
      const s = seed % w7Streams;
      const event: BenchEvent = { type: 'Attempted', data: { writer: w, attempt: i } };
      try {
        const version = await target.appendToStream(stream('w7', s), [event], known[s]!);
        versionsRight &&= version === known[s]! + 1;
        known[s] = version;
        successes++;
        succeeded.add(`${w}/${i}`);
      } catch (error) {
        if (!isConflict(error)) throw error;
        conflicts++;
        known[s] = (await target.readStream(stream('w7', s))).at(-1)?.version ?? 0;
      }
    }
  };
  const start = now();
  await Promise.all(Array.from({ length: w7Writers }, (_, w) => writer(w)));
  const elapsed = now() - start;
  const found = new Set<string>();
  let stored = 0;
  let noGapNoDuplicate = true;
  for (let s = 0; s < w7Streams; s++) {
    const events = await target.readStream(stream('w7', s));
    stored += events.length;
    noGapNoDuplicate &&= events.every((e, i) => e.version === i + 1);
    for (const e of events) {
      const { writer: w, attempt } = e.data as { writer: number; attempt: number };
      found.add(`${w}/${attempt}`);
    }
  }
  const exactlyOnce =
    stored === successes && found.size === successes && [...found].every((k) => succeeded.has(k));
  const attempts = w7Writers * w7AttemptsPerWriter;
  return {
    opsPerSec: perSecond(successes, elapsed),
    verified: versionsRight && noGapNoDuplicate && exactlyOnce,
    notes:
      `${successes.toLocaleString('en-US')} appends and ${conflicts.toLocaleString('en-US')} ` +
      `conflicts of ${attempts.toLocaleString('en-US')} attempts (${w7Writers} writers, ` +
      `${w7Streams} streams); a conflict re-reads the stream, timed`,
  };
};

/** A workload on targets of the bench's process, with the member it needs beyond append and read. */
interface StoreWorkloadEntry {
  readonly kind: 'store';
  readonly run: Workload;
  readonly needs?: 'readAll' | 'handleCommand' | 'openBank' | 'openSnapshotting';
  /** The roles of the targets it runs on; default all. */
  readonly roles?: readonly TargetRole[];
}

/** A workload on a server reached over gRPC. */
interface ServerWorkloadEntry {
  readonly kind: 'server';
  readonly run: ServerWorkload;
}

/** Every workload, and the kind of target it runs on. */
export const workloads: Readonly<Record<WorkloadId, StoreWorkloadEntry | ServerWorkloadEntry>> = {
  W1: { kind: 'store', run: w1 },
  W2: { kind: 'store', run: w2 },
  W3: { kind: 'store', run: w3 },
  W4: { kind: 'store', run: w4, needs: 'readAll' },
  W5: { kind: 'store', run: w5, needs: 'handleCommand' },
  W6: { kind: 'server', run: w6 },
  W7: { kind: 'store', run: w7 },
  // The projector is evented's: W8 is compared with W4 of the raw target, not with a raw W8.
  W8: { kind: 'store', run: w8, needs: 'openBank', roles: ['evented'] },
  W9: { kind: 'store', run: w9, needs: 'openBank', roles: ['evented'] },
  // Snapshots are evented's: W10 compares an aggregate's load with a short one's.
  W10: { kind: 'store', run: snapshotLoad, needs: 'openSnapshotting', roles: ['evented'] },
};
