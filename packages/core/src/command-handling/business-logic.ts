import type { JsonValue, NewEvent, RecordedEvent } from '../event-store/types.js';
import type { Snapshot } from '../snapshot-store/snapshot-store.js';
import type { Command } from './command.js';

/** What business logic sees of an aggregate: its latest snapshot and the events after it. */
export interface AggregateHistory {
  readonly snapshot: Snapshot | undefined;
  readonly events: readonly RecordedEvent[];
  /** The aggregate's version: the last event's, or the snapshot's, or 0 for a new one. */
  readonly version: number;
}

/** Options evented passes to business logic with each command. */
export interface HandleOptions {
  /** The snapshot policy wants the state after the new events in `Decision.snapshot`. */
  readonly snapshotWanted: boolean;
}

/** The outcome of business logic that accepted a command. */
export interface Decision {
  readonly events: readonly NewEvent[];
  /** The state after the new events, when `snapshotWanted`. */
  readonly snapshot?: { readonly state: JsonValue; readonly schemaVersion?: number };
}

/**
 * The business logic port: given a command and an aggregate's history, which events
 * happen. Refuse a command by throwing the error of `rejectCommand`. Implemented
 * in-process (see `fromDecider`) or by a remote service.
 */
export interface BusinessLogic {
  /** The schema version of the snapshots it makes; older snapshots are ignored. Default 1. */
  readonly snapshotSchemaVersion?: number;
  handle(
    command: Command,
    history: AggregateHistory,
    options: HandleOptions,
  ): Decision | Promise<Decision>;
}
