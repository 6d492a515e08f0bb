/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export const now = (): number => performance.now();

/** The q-quantile (0..1) of latencies in ms, nearest-rank; rounded to microseconds. */
export function quantile(sortedMs: readonly number[], q: number): number {
  if (sortedMs.length === 0) return 0;
  const rank = Math.min(sortedMs.length, Math.max(1, Math.ceil(q * sortedMs.length)));
  return round(sortedMs[rank - 1]!, 3);
}

/** p50 and p99 of a list of latencies in ms. */
export function latencies(ms: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
}

/** Operations per second for `count` operations in `elapsedMs`, rounded to a whole number. */
export const perSecond = (count: number, elapsedMs: number): number =>
  Math.round((count * 1000) / Math.max(elapsedMs, 1e-6));

/** Rounds to `digits` decimals. */
export const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
