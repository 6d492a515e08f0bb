import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountEvent } from '@evented/example-bank';
import { expectedBalance, foldAccount, nthCommand } from './bank.js';
import type { Measurement } from './row.js';
import type { Sizes } from './sizes.js';
import { latencies, now, perSecond } from './stats.js';
import type { BankApp, BenchEvent, Target } from './targets/target.js';

/** A workload on a store target that runs the bank example with its balances projector. */
type ProjectionWorkload = (target: Target, sizes: Sizes) => Promise<Measurement>;

const accountId = (a: number): string => `acc-${a}`;
const count = (n: number): string => n.toLocaleString('en-US');

/** Event `version` (1-based) of account `a` in W8's log: opened, then deposits, every fourth a withdrawal. */
function w8Event(a: number, version: number): BenchEvent {
  if (version === 1) {
    return { type: 'AccountOpened', data: { owner: `owner-${a}`, overdraftLimit: 0 } };
  }
  return version % 4 === 0
    ? { type: 'Withdrawn', data: { amount: 3 } }
    : { type: 'Deposited', data: { amount: (version % 97) + 1 } };
}

/**
 * Whether the read model holds exactly the accounts given, each with the balance folded
 * from its own events (read back from the log) and, when given, the one expected.
 */
async function readModelRight(
  target: Target,
  bank: BankApp,
  accounts: number,
  expected?: (a: number) => number,
): Promise<boolean> {
  const balances = await bank.balances();
  if (balances.size !== accounts) return false;
  for (let a = 0; a < accounts; a++) {
    const events = await target.readStream({ domain: 'account', aggregateId: accountId(a) });
    const fromLog = foldAccount(events as unknown as AccountEvent[]).balance;
    if (balances.get(accountId(a)) !== fromLog) return false;
    if (expected && fromLog !== expected(a)) return false;
  }
  return true;
}

/**
 * W8: the bank's balances projector catches up on a log of `w8Events` account events, in
 * pages of `w8PageSize`, its read model in the same database. The log is seeded untimed,
 * round-robin over the accounts `w8EventsPerAppend` events at a time, so that a page
 * touches about `w8PageSize / w8EventsPerAppend` accounts. Timed from building the
 * application (on the open storage; the projector starts at once) until its checkpoint is
 * at the head. Verified when every account's balance equals the sum of its events.
 */
export const w8: ProjectionWorkload = async (target, sizes) => {
  const { w8Events, w8Accounts, w8EventsPerAppend, w8PageSize } = sizes;
  if (!target.openBank) throw new Error('openBank missing');
  const perAccount = Math.ceil(w8Events / w8Accounts);
  for (let from = 0; from < perAccount; from += w8EventsPerAppend) {
    const size = Math.min(w8EventsPerAppend, perAccount - from);
    for (let a = 0; a < w8Accounts; a++) {
      const events = Array.from({ length: size }, (_, i) => w8Event(a, from + i + 1));
      await target.appendToStream({ domain: 'account', aggregateId: accountId(a) }, events, from);
    }
  }
  await target.analyze?.();
  const total = perAccount * w8Accounts;
  const start = now();
  const bank = await target.openBank(w8PageSize);
  await bank.caughtUp();
  const elapsed = now() - start;
  const touched = Math.min(w8Accounts, Math.ceil(w8PageSize / w8EventsPerAppend));
  return {
    eventsPerSec: perSecond(total, elapsed),
    verified: await readModelRight(target, bank, w8Accounts),
    notes:
      `${count(total)} events of ${count(w8Accounts)} accounts, appended round-robin ` +
      `${w8EventsPerAppend} at a time, so a page of ${count(w8PageSize)} (processors.batchSize) ` +
      `touches ${touched} accounts: one write per account and page; timed from building the ` +
      `application on the open store to the projector's checkpoint at the head`,
  };
};

/**
 * W9: `w9CommandsPerSecond` bank commands a second for `w9Seconds` while the balances
 * projector follows live. Open loop: command k is sent at k / rate seconds (at once when
 * the timer fires late), whether or not earlier ones returned; account k % accounts gets
 * W5's next command. The lag of a command runs from the append's acknowledgement (the
 * facade publishes the events as soon as the store has acknowledged the append) to the
 * projector's commit of its events (`dispatch` with `waitFor: ['balances']` returning).
 * Accounts are opened untimed first.
 */
export const w9: ProjectionWorkload = async (target, sizes) => {
  const { w9CommandsPerSecond: rate, w9Seconds, w9Accounts: accounts } = sizes;
  if (!target.openBank) throw new Error('openBank missing');
  const bank = await target.openBank();
  for (let first = 0; first < accounts; first += 100) {
    const opening = [];
    for (let a = first; a < Math.min(first + 100, accounts); a++) {
      opening.push(bank.dispatchAndProject(nthCommand(accountId(a), 0)));
    }
    await Promise.all(opening);
  }
  await bank.caughtUp();
  await target.analyze?.();

  const total = Math.max(1, Math.round(rate * w9Seconds));
  const lags: number[] = [];
  const appends: number[] = [];
  const pending: Promise<void>[] = [];
  const start = now();
  for (let k = 0; k < total; k++) {
    const wait = start + (k * 1000) / rate - now();
    if (wait > 0) await sleep(wait);
    const sent = now();
    const command = nthCommand(accountId(k % accounts), 1 + Math.floor(k / accounts));
    pending.push(
      bank.dispatchAndProject(command).then(({ appendedAt, projectedAt }) => {
        appends.push(appendedAt - sent);
        lags.push(projectedAt - appendedAt);
      }),
    );
  }
  const sending = now() - start;
  await Promise.all(pending);
  const elapsed = now() - start;
  // Account a got one command in each of the rounds that reached it, after its opening.
  const commandsOf = (a: number): number =>
    1 + Math.floor(total / accounts) + (a < total % accounts ? 1 : 0);
  const verified =
    lags.length === total &&
    (await readModelRight(target, bank, accounts, (a) => expectedBalance(commandsOf(a))));
  const append = latencies(appends);
  return {
    opsPerSec: perSecond(total, sending),
    ...latencies(lags),
    verified,
    notes:
      `${count(total)} commands offered at ${count(rate)}/s to ${count(accounts)} accounts, ` +
      `open loop (${perSecond(total, elapsed)} commands/s projected end to end); p50 and p99 ` +
      'from the append acknowledged (the events published, before dispatch returns) to the ' +
      "projector's transaction committed (dispatch with waitFor: ['balances'] returning); " +
      `the append itself, from sending: p50 ${append.p50Ms} ms, p99 ${append.p99Ms} ms`,
  };
};
