import type { JsonValue, StreamId } from '../event-store/types.js';

/** An aggregate's state after `version`, so that loading replays only later events. */
export interface Snapshot<State = JsonValue> {
  readonly domain: string;
  readonly aggregateId: string;
  /** The stream version the state includes. */
  readonly version: number;
  readonly state: State;
  /** The version of the state's schema; 1 when absent on save. */
  readonly schemaVersion: number;
  readonly recordedAt: Date;
}

/** A snapshot to save. */
export interface NewSnapshot {
  readonly domain: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly state: JsonValue;
  readonly schemaVersion?: number;
}

/**
 * The snapshot store port. Saving the same `(domain, aggregateId, version)` again replaces
 * that snapshot; `latestSnapshot` returns the one with the highest version.
 */
export interface SnapshotStore {
  saveSnapshot(snapshot: NewSnapshot): Promise<void>;
  latestSnapshot(stream: StreamId): Promise<Snapshot | undefined>;
  /**
   * Removes all but the `keep` latest snapshots of a stream (`keep` a positive integer) and
   * resolves with how many it removed. A store that keeps only the latest snapshot has
   * nothing to remove.
   */
  pruneSnapshots(stream: StreamId, keep: number): Promise<number>;
}
