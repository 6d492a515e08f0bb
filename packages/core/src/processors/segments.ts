import type { RecordedEvent } from '../event-store/types.js';

/** The most segments a processor may have. */
export const MAX_SEGMENTS = 1024;

/**
 * The segment of an aggregate among `count`: FNV-1a (32 bits) of the UTF-8 bytes of
 * `domain`, a zero byte and `aggregateId`, modulo `count`. Every event of an aggregate
 * falls into one segment, so order per aggregate holds however segments are spread.
 */
export function segmentOf(domain: string, aggregateId: string, count: number): number {
  if (count === 1) return 0;
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(`${domain}\u0000${aggregateId}`, 'utf8');
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

/** A part of a processor's work: the events whose aggregate hashes to `index` of `count`. */
export interface Segment {
  readonly index: number;
  readonly count: number;
}

/** Whether `event` belongs to `segment`. */
export function inSegment(event: RecordedEvent, segment: Segment): boolean {
  return segmentOf(event.domain, event.aggregateId, segment.count) === segment.index;
}

/**
 * The checkpoint key of one segment: the processor's own name when it has one segment (as
 * before segments existed), `name@index/count` otherwise. Changing the count starts new
 * checkpoints: the processor then replays from the beginning.
 */
export function segmentCheckpointName(name: string, segment: Segment): string {
  return segment.count === 1 ? name : `${name}@${segment.index}/${segment.count}`;
}
