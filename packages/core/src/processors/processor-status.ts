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
}
