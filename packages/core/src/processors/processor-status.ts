import type { Position } from '../event-store/types.js';

/** Where a processor is in its life. */
export type ProcessorState = 'starting' | 'catching-up' | 'live' | 'error' | 'stopped';

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

/** A snapshot of one processor's progress. */
export interface ProcessorStatus {
  readonly name: string;
  readonly kind: 'projector' | 'saga';
  readonly state: ProcessorState;
  /** The position fully handled; undefined until loaded. */
  readonly checkpoint: Position | undefined;
  /** Set in the `error` state: the event the processor stopped at. */
  readonly failure: ProcessorFailure | undefined;
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
}
