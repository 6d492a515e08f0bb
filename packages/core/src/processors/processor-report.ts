import type { CheckpointStore } from '../checkpoint-store/checkpoint-store.js';
import type { ClaimStore } from '../claim-store/claim-store.js';
import type { EventStore } from '../event-store/event-store.js';
import type { Position } from '../event-store/types.js';
import { START } from '../event-store/types.js';
import { measureLag } from './processor-lag.js';
import type { ProcessorReport, ProcessorStatus, SegmentReport } from './processor-status.js';
import { segmentCheckpointName } from './segments.js';

/** The stores a report reads, and how the processor is split. */
export interface ReportSource {
  readonly eventStore: EventStore;
  readonly checkpointStore: CheckpointStore;
  readonly claimStore: ClaimStore | undefined;
  readonly count: number;
}

/**
 * Adds to a processor's in-memory status what the store knows: the head of the log, the
 * lag, and for a segmented or shared processor every segment with its owner (a claim whose
 * lease has not ended), its checkpoint (in memory when worked here, else as stored) and
 * its own lag. The processor's checkpoint and lag are then the lowest segment's.
 */
export async function reportProcessor(
  status: ProcessorStatus,
  source: ReportSource,
): Promise<ProcessorReport> {
  const { eventStore, checkpointStore, claimStore, count } = source;
  const head = await eventStore.headPosition();
  const lagFrom = (checkpoint: Position | undefined) =>
    measureLag(eventStore, checkpoint ?? START, head);
  if (count === 1 && !claimStore) {
    const checkpoint = status.checkpoint ?? (await checkpointStore.loadCheckpoint(status.name));
    return { ...status, checkpoint, head, lag: await lagFrom(checkpoint) };
  }
  const claims = claimStore ? await claimStore.claims(status.name) : [];
  const local = new Map((status.segments ?? []).map((segment) => [segment.segment, segment]));
  const now = Date.now();
  const segmentReports: SegmentReport[] = [];
  for (let index = 0; index < count; index++) {
    const here = local.get(index);
    const claim = claims.find((each) => each.segment === index);
    const checkpoint =
      here?.checkpoint ??
      (await checkpointStore.loadCheckpoint(segmentCheckpointName(status.name, { index, count })));
    segmentReports.push({
      segment: index,
      owner: claimStore
        ? claim && claim.expiresAt.getTime() > now
          ? claim.owner
          : undefined
        : status.node,
      leaseExpiresAt: claim?.expiresAt,
      state: here?.state,
      checkpoint,
      failure: here?.failure,
      lag: await lagFrom(checkpoint),
    });
  }
  // A segment that never saved a checkpoint starts from the beginning.
  const checkpoint = segmentReports.reduce<Position | undefined>((low, segment) => {
    const at = segment.checkpoint ?? START;
    return low === undefined || at < low ? at : low;
  }, undefined);
  return { ...status, checkpoint, head, lag: await lagFrom(checkpoint), segmentReports };
}
