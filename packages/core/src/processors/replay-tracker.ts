import type { Position } from '../event-store/types.js';
import type { ReplayProgress } from './processor-status.js';
import { RATE_WINDOW_MS } from './rate-meter.js';
import type { RateMeter } from './rate-meter.js';

/**
 * Follows the replay a processor's segments on this node are in, for its status: where it
 * began (the reset's position, or where this node took it up after a restart), when, and
 * how many events had been handled then, so that progress, pace and ETA count only it.
 */
export class ReplayTracker {
  readonly #meter: RateMeter;
  #replay: { target: Position; from: Position; at: number; handled: number } | undefined;

  /** `meter` counts the events the processor's segments on this node handle. */
  constructor(meter: RateMeter) {
    this.#meter = meter;
  }

  /** A reset here began a replay from `from` up to `target`. */
  began(target: Position, from: Position): void {
    this.#replay = { target, from, at: Date.now(), handled: this.#meter.total };
  }

  /**
   * The progress at `checkpoint` (the lowest of the segments here) towards the highest of
   * `targets` (the segments' replay targets as loaded); undefined once past it.
   */
  progress(
    checkpoint: Position | undefined,
    targets: Iterable<Position | undefined>,
  ): ReplayProgress | undefined {
    let target = this.#replay?.target;
    for (const until of targets) {
      if (until !== undefined && (target === undefined || until > target)) target = until;
    }
    if (target === undefined || checkpoint === undefined || checkpoint >= target) return undefined;
    const now = Date.now();
    if (this.#replay?.target !== target) {
      this.#replay = { target, from: checkpoint, at: now, handled: this.#meter.total };
    }
    const covered = Number(checkpoint - this.#replay.from);
    const elapsed = now - this.#replay.at;
    const handled = this.#meter.total - this.#replay.handled;
    return {
      target,
      position: checkpoint,
      eventsHandled: handled,
      // Until the replay is as old as the meter's window, the window holds what came before.
      eventsPerSecond:
        elapsed > 0 && elapsed < RATE_WINDOW_MS
          ? (handled * 1000) / elapsed
          : this.#meter.rate(now),
      // At the pace so far, in positions: they need not be dense, only roughly even.
      etaSeconds:
        covered > 0 && elapsed > 0
          ? (Number(target - checkpoint) * elapsed) / covered / 1000
          : undefined,
    };
  }
}
