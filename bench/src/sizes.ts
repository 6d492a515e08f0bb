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
};

/**
 * The sizes with the amount of work divided by `divisor` (`--quick` uses 10): fewer
 * streams, appends, reads, events, accounts and W7's attempts; batch, page and stream shapes unchanged.
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
  };
}
