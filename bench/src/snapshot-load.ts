import type { BankCommand } from './bank.js';
import type { Measurement } from './row.js';
import type { Sizes } from './sizes.js';
import { latencies, now, perSecond, round } from './stats.js';
import type { SnapshottingBank, Target } from './targets/target.js';

const account = (aggregateId: string) => ({ domain: 'account', aggregateId }) as const;
const deposit = (aggregateId: string, amount: number): BankCommand => ({
  ...account(aggregateId),
  type: 'Deposit',
  data: { amount },
});
/** More than any balance here: the account loads, decides, refuses, and writes nothing. */
const overdraw = (aggregateId: string): BankCommand => ({
  ...account(aggregateId),
  type: 'Withdraw',
  data: { amount: Number.MAX_SAFE_INTEGER },
});

const isRejected = (error: unknown): boolean =>
  (error as { code?: unknown } | undefined)?.code === 'COMMAND_REJECTED';

/**
 * Brings an account to `length` events: opened, deposits of 1 appended untimed in batches
 * of 100 up to `every` events short of `length`, then the last `every` deposits through
 * `dispatch`, so that the snapshot policy itself took the snapshots (the first of those
 * commands loads the whole history once).
 */
async function seedAccount(
  target: Target,
  bank: SnapshottingBank,
  id: string,
  length: number,
  every: number,
): Promise<void> {
  await bank.dispatch({ ...account(id), type: 'OpenAccount', data: { owner: id } });
  let version = 1;
  const appended = Math.max(1, length - every);
  while (version < appended) {
    const size = Math.min(100, appended - version);
    const batch = Array.from({ length: size }, () => ({
      type: 'Deposited',
      data: { amount: 1 },
    }));
    version = await target.appendToStream(account(id), batch, version);
  }
  for (; version < length; version++) await bank.dispatch(deposit(id, 1));
}

/** The timed loads of one account, and how many of them were refused as they should be. */
interface Loads {
  readonly ms: number[];
  refused: number;
}

/**
 * Times one load of an account: a command the account refuses (more than its balance), so
 * it loads (the latest snapshot, then the events after it), decides and writes nothing.
 * Before it, one deposit goes through `dispatch` untimed, so that successive loads meet
 * every distance from the last snapshot, as an aggregate under the policy does.
 */
async function timeLoad(bank: SnapshottingBank, id: string, loads: Loads): Promise<void> {
  await bank.dispatch(deposit(id, 1));
  const t = now();
  try {
    await bank.dispatch(overdraw(id));
  } catch (error) {
    if (!isRejected(error)) throw error;
    loads.refused += 1;
  }
  loads.ms.push(now() - t);
}

/**
 * W10: an account of `w10Events` events and one of `w10BaselineEvents`, under automatic
 * snapshots every `w10SnapshotEvery`; `w10Loads` timed loads of each. `p50Ms` and `p99Ms`
 * are the long account's, `baselineP50Ms` the short one's; verified when every load was
 * refused (nothing written), the latest snapshots are within one policy step of the heads,
 * and the worker neither failed nor dropped a snapshot.
 */
export async function snapshotLoad(target: Target, sizes: Sizes): Promise<Measurement> {
  const { w10Events, w10BaselineEvents, w10SnapshotEvery: every, w10Loads } = sizes;
  const bank = await target.openSnapshotting!(every);
  await seedAccount(target, bank, 'long', w10Events, every);
  await seedAccount(target, bank, 'short', w10BaselineEvents, every);
  await bank.snapshotsSettled();

  // Alternating, so that both accounts meet the same warm-up, collections and noise.
  const long: Loads = { ms: [], refused: 0 };
  const short: Loads = { ms: [], refused: 0 };
  for (let i = 0; i < w10Loads; i++) {
    await timeLoad(bank, 'long', long);
    await timeLoad(bank, 'short', short);
  }
  await bank.snapshotsSettled();

  let snapshotsNearHead = true;
  for (const [id, length] of [
    ['long', w10Events + w10Loads],
    ['short', w10BaselineEvents + w10Loads],
  ] as const) {
    const events = await target.readStream(account(id));
    const snapshot = (await bank.latestSnapshot(id)) ?? 0;
    snapshotsNearHead &&= events.length === length && length - snapshot < every;
  }
  const status = bank.snapshotStatus();
  const verified =
    long.refused === w10Loads &&
    short.refused === w10Loads &&
    snapshotsNearHead &&
    status.failed === 0 &&
    status.dropped === 0;
  const { p50Ms, p99Ms } = latencies(long.ms);
  const baselineP50Ms = latencies(short.ms).p50Ms;
  const count = (n: number) => n.toLocaleString('en-US');
  return {
    opsPerSec: perSecond(
      w10Loads,
      long.ms.reduce((sum, each) => sum + each, 0),
    ),
    p50Ms,
    p99Ms,
    baselineP50Ms,
    verified,
    notes:
      `loads of a ${count(w10Events)}-event account (p50, p99) and of a ` +
      `${count(w10BaselineEvents)}-event one (baseline p50 ${baselineP50Ms} ms, ` +
      `${round(p50Ms / baselineP50Ms, 2)}x), alternating; snapshots every ${every} events by the ` +
      `background worker (${status.saved} saved, ${status.dropped} dropped); a load is a ` +
      `command the account refuses (snapshot, then the events after it, decide, nothing ` +
      `written), ${w10Loads} each, with one deposit through dispatch untimed before each, so ` +
      `both accounts grow by ${w10Loads} events; seeded untimed: opened, all but the last ` +
      `${every} deposits appended in batches of 100, those through dispatch`,
  };
}
