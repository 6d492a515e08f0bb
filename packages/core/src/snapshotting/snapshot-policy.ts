import { EventedError } from '../errors/evented-error.js';
import { assertPositiveInteger } from '../validation/ids.js';

/**
 * When evented snapshots a domain's aggregates: every `everyEvents` events, when the last
 * snapshot is older than `olderThanMs`, or either of the two, whichever comes first.
 * Snapshots are saved in the background, never on the command path, and pruned to the
 * last `keep` per aggregate.
 *
 * ```ts
 * Evented.builder(config).withBusinessLogic('account', account, {
 *   snapshots: { everyEvents: 100, olderThanMs: 60_000, keep: 2 },
 * });
 * ```
 */
export interface SnapshotPolicy {
  /** Snapshot once this many events were recorded since the last snapshot. */
  readonly everyEvents?: number;
  /**
   * Snapshot at the next command that records events once the last snapshot is older than
   * this; an aggregate without a snapshot counts from its first event.
   */
  readonly olderThanMs?: number;
  /** Snapshots kept per aggregate; older ones are pruned after each save. Default 3. */
  readonly keep?: number;
}

/** Defaults of {@link SnapshotPolicy}. */
export const defaultSnapshotPolicy = { keep: 3 } as const;

/** Checks a policy: positive integers, and at least one of the two triggers. */
export function assertSnapshotPolicy(policy: SnapshotPolicy): void {
  try {
    if (typeof policy !== 'object' || policy === null) throw new Error('must be an object');
    const { everyEvents, olderThanMs, keep } = policy;
    if (everyEvents !== undefined) assertPositiveInteger('snapshots.everyEvents', everyEvents);
    if (olderThanMs !== undefined) assertPositiveInteger('snapshots.olderThanMs', olderThanMs);
    if (keep !== undefined) assertPositiveInteger('snapshots.keep', keep);
    if (everyEvents === undefined && olderThanMs === undefined) {
      throw new Error('snapshots: give everyEvents, olderThanMs or both');
    }
  } catch (error) {
    throw new EventedError('CONFIGURATION', (error as Error).message, { field: 'snapshots' });
  }
}

/** What a policy looks at once an aggregate is loaded. */
export interface SnapshotFacts {
  /** Events since the last snapshot, new ones included. */
  readonly sinceSnapshot: number;
  /** When the last snapshot was saved or, without one, when the first event was recorded. */
  readonly since: Date | undefined;
  /** The time now, in ms since the epoch. */
  readonly now: number;
}

/** Whether the policy wants a snapshot: only ever with events since the last one. */
export function snapshotDue(policy: SnapshotPolicy, facts: SnapshotFacts): boolean {
  if (facts.sinceSnapshot <= 0) return false;
  if (policy.everyEvents !== undefined && facts.sinceSnapshot >= policy.everyEvents) return true;
  return (
    policy.olderThanMs !== undefined &&
    facts.since !== undefined &&
    facts.now - facts.since.getTime() >= policy.olderThanMs
  );
}
