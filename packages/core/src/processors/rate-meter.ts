/** How far back {@link RateMeter.rate} looks. */
export const RATE_WINDOW_MS = 10_000;

const BUCKET_MS = 1_000;
const BUCKETS = RATE_WINDOW_MS / BUCKET_MS;

/**
 * Counts handled events and tells the recent rate, from one-second buckets over the last
 * ten seconds: cheap enough to call on every commit, and a rate that follows a catch-up
 * slowing down or a replay starting within seconds.
 */
export class RateMeter {
  readonly #counts = new Array<number>(BUCKETS).fill(0);
  readonly #seconds = new Array<number>(BUCKETS).fill(-1);
  readonly #since: number;
  #total = 0;

  constructor(now: number = Date.now()) {
    this.#since = now;
  }

  /** Every event recorded. */
  get total(): number {
    return this.#total;
  }

  record(count: number, now: number = Date.now()): void {
    if (count <= 0) return;
    this.#total += count;
    const second = Math.floor(now / BUCKET_MS);
    const slot = second % BUCKETS;
    if (this.#seconds[slot] !== second) {
      this.#seconds[slot] = second;
      this.#counts[slot] = 0;
    }
    this.#counts[slot]! += count;
  }

  /** Events per second over the last ten seconds, or since the meter began if that is shorter. */
  rate(now: number = Date.now()): number {
    const second = Math.floor(now / BUCKET_MS);
    let sum = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      if (this.#seconds[slot]! > second - BUCKETS) sum += this.#counts[slot]!;
    }
    const spanMs = Math.min(RATE_WINDOW_MS, Math.max(BUCKET_MS, now - this.#since));
    return sum / (spanMs / 1000);
  }
}
