/** How much work each workload does. */
export interface Sizes {
  /** W1: streams, and appends of one event to each. */
  readonly w1Streams: number;
  readonly w1AppendsPerStream: number;
  /** W2: appends to new streams, and events in each. */
  readonly w2Appends: number;
  readonly w2BatchSize: number;
  /** W3: events in the stream, and how many times it is read. */
  readonly w3StreamLength: number;
  readonly w3Reads: number;
  /** W4: events in the log, and the page size. */
  readonly w4Events: number;
  readonly w4PageSize: number;
  /** W5: accounts, and commands to each. */
  readonly w5Accounts: number;
  readonly w5CommandsPerAccount: number;
  /** W6: accounts of the untimed warm-up, W5's commands to each; the run itself is W5's sizes. */
  readonly w6WarmUpAccounts: number;
  /** W7: concurrent writers, shared streams, and append attempts of each writer. */
  readonly w7Writers: number;
  readonly w7Streams: number;
  readonly w7AttemptsPerWriter: number;
  /** W8: events in the log, accounts they belong to, events per append (round-robin), page size. */
  readonly w8Events: number;
  readonly w8Accounts: number;
  readonly w8EventsPerAppend: number;
  readonly w8PageSize: number;
  /** W9: commands offered per second, for how many seconds, over how many accounts. */
  readonly w9CommandsPerSecond: number;
  readonly w9Seconds: number;
  readonly w9Accounts: number;
  /**
   * W10: events of the long account and of the short one, the snapshot policy's
   * `everyEvents`, and timed loads of each.
   */
  readonly w10Events: number;
  readonly w10BaselineEvents: number;
  readonly w10SnapshotEvery: number;
  readonly w10Loads: number;
}

/** The sizes BENCH.md defines. */
export const fullSizes: Sizes = {
  w1Streams: 2_000,
  w1AppendsPerStream: 10,
  w2Appends: 200,
  w2BatchSize: 100,
  w3StreamLength: 1_000,
  w3Reads: 200,
  w4Events: 100_000,
  w4PageSize: 1_000,
  w5Accounts: 1_000,
  w5CommandsPerAccount: 10,
  w6WarmUpAccounts: 300,
  w7Writers: 4,
  w7Streams: 50,
  w7AttemptsPerWriter: 2_000,
  w8Events: 100_000,
  w8Accounts: 1_000,
  w8EventsPerAppend: 10,
  w8PageSize: 5_000,
  w9CommandsPerSecond: 1_000,
  w9Seconds: 10,
  w9Accounts: 1_000,
  w10Events: 100_000,
  w10BaselineEvents: 100,
  w10SnapshotEvery: 100,
  w10Loads: 200,
};

/**
 * The sizes with the amount of work divided by `divisor` (`--quick` uses 10): fewer
 * streams, appends, reads, events, accounts and W7's attempts, and a shorter W9 at the same
 * rate; batch, page and stream shapes unchanged.
 */
export function scaledSizes(divisor: number, base: Sizes = fullSizes): Sizes {
  const scale = (n: number): number => Math.max(1, Math.round(n / divisor));
  return {
    ...base,
    w1Streams: scale(base.w1Streams),
    w2Appends: scale(base.w2Appends),
    w3Reads: scale(base.w3Reads),
    w4Events: scale(base.w4Events),
    w5Accounts: scale(base.w5Accounts),
    w6WarmUpAccounts: scale(base.w6WarmUpAccounts),
    w7AttemptsPerWriter: scale(base.w7AttemptsPerWriter),
    w8Events: scale(base.w8Events),
    w8Accounts: scale(base.w8Accounts),
    // W9 keeps its rate and runs for less time, over fewer accounts.
    w9Seconds: base.w9Seconds / divisor,
    w9Accounts: scale(base.w9Accounts),
    // W10's long account is shorter; the short one, the policy and the loads stay.
    w10Events: scale(base.w10Events),
  };
}
