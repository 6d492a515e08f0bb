import type { BankCommand } from '../bank.js';

/** The workloads a run can measure. */
export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6' | 'W7' | 'W8' | 'W9' | 'W10';

/** The targets this package can open. */
export type TargetName =
  | 'raw-sqlite'
  | 'evented-sqlite'
  | 'emmett-sqlite'
  | 'evented-postgres'
  | 'raw-postgres'
  | 'emmett-postgres'
  | 'evented-redis'
  | 'raw-redis'
  | 'evented-grpc-c1'
  | 'evented-grpc-c16'
  | 'evented-grpc-remote-c16';

/** Whether a target is the raw limit, evented, or the peer. */
export type TargetRole = 'raw' | 'evented' | 'peer';

/** What a target is to the report: the database it runs on and whether it is the raw limit or the peer. */
interface TargetInfoBase {
  readonly name: TargetName;
  readonly database: 'sqlite' | 'postgres' | 'redis';
  readonly role: TargetRole;
}

/** A store opened in the bench's own process: W1 to W5, W7, and W8 to W10 on evented's stores. */
export interface StoreTargetInfo extends TargetInfoBase {
  readonly kind: 'store';
  /**
   * Opens the target: SQLite targets on a fresh file `path` inside a temporary directory,
   * server targets in a fresh schema or key prefix of their own, removed on `close`. Throws
   * {@link TargetUnavailable} when the server cannot be reached.
   */
  open(path: string): Promise<Target>;
}

/** An evented server in processes of its own, reached over gRPC: W6. */
export interface ServerTargetInfo extends TargetInfoBase {
  readonly kind: 'server';
  /** How many callers send commands at once. */
  readonly callers: number;
  /**
   * Starts the server on a fresh SQLite file `path` inside a temporary directory (its
   * other files go next to it). Throws {@link TargetUnavailable} when it cannot start.
   */
  open(path: string): Promise<CommandServer>;
}

/** Any target; `kind` says which workloads it runs. */
export type TargetInfo = StoreTargetInfo | ServerTargetInfo;

/** Thrown by `open` when a target cannot run here: the run is reported as skipped, with the reason. */
export class TargetUnavailable extends Error {
  override readonly name = 'TargetUnavailable';
}

/**
 * What raw targets throw when the stream is not at the expected version; W7 counts these
 * (and evented's `CONCURRENCY_CONFLICT`) as conflicts.
 */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** A stream as the workloads name it; each target maps it to its own addressing. */
export interface StreamRef {
  readonly domain: string;
  readonly aggregateId: string;
}

/** An event to append: the shape evented and Emmett share. */
export interface BenchEvent {
  readonly type: string;
  readonly data: { readonly [key: string]: number | string };
}

/** An event as read back, reduced to what the workloads verify. */
export interface ReadBackEvent {
  readonly type: string;
  readonly version: number;
  readonly data: unknown;
}

/** One page of the global log. */
export interface LogPage {
  readonly events: readonly ReadBackEvent[];
  /** Where the next page starts (exclusive). */
  readonly position: bigint;
  readonly isEnd: boolean;
}

/**
 * One store opened for a run. Optional members a target lacks make the workloads that need
 * them report a skipped row, with the reason from `missing`.
 */
export interface Target {
  /** Appends events if the stream is at `expectedVersion` (0: new); returns the new version. */
  appendToStream(
    stream: StreamRef,
    events: readonly BenchEvent[],
    expectedVersion: number,
  ): Promise<number>;
  /** Reads a whole stream in version order, data parsed. */
  readStream(stream: StreamRef): Promise<readonly ReadBackEvent[]>;
  /** Reads the global log after `after`, at most `limit` events, data parsed. */
  readAll?(after: bigint, limit: number): Promise<LogPage>;
  /**
   * Brings the database's statistics up to date after seeding, untimed, as the server's own
   * maintenance would (PostgreSQL: `ANALYZE` of the events table). A table filled moments
   * ago has none yet, and PostgreSQL's plan for a page of the log may then read and sort
   * the whole rest of the table each time. Absent where there is nothing to do.
   */
  analyze?(): Promise<void>;
  /** Handles one command of the bank example: load the account's stream, decide, append. */
  handleCommand?(command: BankCommand): Promise<void>;
  /**
   * Starts the bank example on this store with its batched SQL balances projector, the read
   * model in the same database, in pages of `batchSize` (default: evented's); the projector
   * starts catching up on the log at once. Closed with the target. W8 and W9.
   */
  openBank?(batchSize?: number): Promise<BankApp>;
  /**
   * Starts the bank example's `account` decider on this store with automatic snapshots
   * every `everyEvents` events. Closed with the target. W10.
   */
  openSnapshotting?(everyEvents: number): Promise<SnapshottingBank>;
  /** Why an optional member is absent, by member name. */
  readonly missing?: Partial<
    Record<'readAll' | 'handleCommand' | 'openBank' | 'openSnapshotting', string>
  >;
  /** Facts about how the target ran, added to every row's notes. */
  readonly notes?: string;
  close(): Promise<void>;
}

/** The bank example with automatic snapshots, in the bench's process: W10. */
export interface SnapshottingBank {
  /** Dispatches a command: load the account (latest snapshot, then later events), decide, append. */
  dispatch(command: BankCommand): Promise<void>;
  /** Resolves once the background snapshot worker has nothing queued or saving. */
  snapshotsSettled(): Promise<void>;
  /** The version of the account's latest snapshot, if it has one. */
  latestSnapshot(accountId: string): Promise<number | undefined>;
  /** What the snapshot worker has done. */
  snapshotStatus(): { readonly saved: number; readonly failed: number; readonly dropped: number };
}

/** A running evented server, as a client sees it. */
export interface CommandServer {
  /** Dispatches one command of the bank example; returns the account's version after it. */
  dispatch(command: BankCommand): Promise<number>;
  /** Reads a whole stream in version order, data parsed. */
  readStream(stream: StreamRef): Promise<readonly ReadBackEvent[]>;
  /** Facts about how the target ran, added to the row's notes; read after `close`. */
  readonly notes?: string;
  /** Closes the client, stops the server's processes and waits for them to exit. */
  close(): Promise<void>;
}

/** When a command's events were appended and when the balances projector committed them (`now()`, ms). */
export interface ProjectedCommand {
  /** The store acknowledged the append: the facade publishes the events right after it. */
  readonly appendedAt: number;
  /** The projector's transaction holding the command's last event committed. */
  readonly projectedAt: number;
}

/** The bank example running on a target's store, with its balances projector following the log. */
export interface BankApp {
  /** Resolves once the projector has committed everything in the log as it is now. */
  caughtUp(): Promise<void>;
  /** Dispatches a command; resolves once the projector has committed its events. */
  dispatchAndProject(command: BankCommand): Promise<ProjectedCommand>;
  /** The read model: balance by account id. */
  balances(): Promise<ReadonlyMap<string, number>>;
}
