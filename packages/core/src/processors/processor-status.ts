import type { Position } from '../event-store/types.js';

/**
 * Where a processor is in its life. `standby`: it runs on this node, but other nodes work
 * all of its segments for now.
 */
export type ProcessorState = 'starting' | 'catching-up' | 'live' | 'error' | 'stopped' | 'standby';

/** The event a processor stopped at, and why. */
export interface ProcessorFailure {
  readonly message: string;
  readonly code: string | undefined;
  readonly eventId: string;
  readonly eventType: string;
  readonly position: Position;
  readonly domain: string;
  readonly aggregateId: string;
  /** How many times the event was tried. */
  readonly attempts: number;
  readonly at: Date;
}

/** A snapshot of one processor's progress, as this node knows it without reading the store. */
export interface ProcessorStatus {
  readonly name: string;
  readonly kind: 'projector' | 'saga';
  readonly state: ProcessorState;
  /** The position fully handled; undefined until loaded. */
  readonly checkpoint: Position | undefined;
  /** Set in the `error` state: the event the processor stopped at. */
  readonly failure: ProcessorFailure | undefined;
  /** Events handled on this node since the application started (parked and skipped ones excluded). */
  readonly eventsHandled: number;
  /** Events handled per second on this node, over the last ten seconds. */
  readonly eventsPerSecond: number;
  /** Set while a reset or rebuild replays the log: how far it is. */
  readonly replay?: ReplayProgress;
  /** This node's id in segment claims. */
  readonly node?: string;
  /** Into how many segments the work splits. */
  readonly segmentCount?: number;
  /** The segments this node works now; `checkpoint` above is the lowest of theirs. */
  readonly segments?: readonly SegmentStatus[];
}

/** One segment a node works. */
export interface SegmentStatus {
  readonly segment: number;
  readonly state: ProcessorState;
  readonly checkpoint: Position | undefined;
  readonly failure: ProcessorFailure | undefined;
  readonly eventsHandled: number;
  readonly eventsPerSecond: number;
}

/**
 * The progress of a replay: after a reset or rebuild, the events up to the head of the log
 * as it was then are handled again (`ProjectionContext.replaying`).
 */
export interface ReplayProgress {
  /** The head of the log when the reset began: the replay ends there. */
  readonly target: Position;
  /** How far it is: the lowest checkpoint of the segments this node works. */
  readonly position: Position;
  /** Events handled since the replay began, or since this node took it up. */
  readonly eventsHandled: number;
  /** Events handled per second, over the last ten seconds. */
  readonly eventsPerSecond: number;
  /**
   * Seconds left at the pace so far (positions covered per second since the replay began);
   * undefined until there is a pace to go by.
   */
  readonly etaSeconds: number | undefined;
}

/** How far a processor, or one segment of it, is behind the head of the log. */
export interface ProcessorLag {
  /**
   * Events in the log after the checkpoint, up to the head: all of them, whatever the
   * processor's filter, since it reads past them too. Counted, never estimated from positions.
   */
  readonly events: number;
  /** True when counting stopped at its cap: there are at least `events`. */
  readonly atLeast: boolean;
  /** Now minus when the first event after the checkpoint was recorded; 0 when caught up. */
  readonly seconds: number;
}

/**
 * A processor's status with what reading the store adds: the head of the log, the lag,
 * and for a segmented processor every segment, with its owner and stored checkpoint.
 */
export interface ProcessorReport extends ProcessorStatus {
  /** The head of the log when the report was made. */
  readonly head: Position;
  /** From the lowest checkpoint of all segments, wherever they are worked. */
  readonly lag: ProcessorLag;
  /** Every segment of a processor that has several, or whose claims are shared; by index. */
  readonly segmentReports?: readonly SegmentReport[];
}

/** One segment, wherever it is worked. */
export interface SegmentReport {
  readonly segment: number;
  /** The node holding the segment's claim, if its lease is live; this node's id when unshared. */
  readonly owner: string | undefined;
  /** When the owner's lease ends unless renewed, by the store's clock; undefined when unshared. */
  readonly leaseExpiresAt: Date | undefined;
  /** Its state on this node; undefined when another node works it. */
  readonly state: ProcessorState | undefined;
  /** In memory when worked here, else as stored; undefined before the first save. */
  readonly checkpoint: Position | undefined;
  readonly failure: ProcessorFailure | undefined;
  readonly lag: ProcessorLag;
}
