import type { CheckpointStore } from '../checkpoint-store/checkpoint-store.js';
import { EventedError } from '../errors/evented-error.js';
import type { Position } from '../event-store/types.js';

/**
 * Two records a reset keeps in the checkpoint store beside the processor's checkpoints,
 * under names no segment checkpoint takes (`name@index/count`):
 *
 * - `name@reset`, while a reset that moves several checkpoints (or clears a read model
 *   outside their transaction) is under way: a crash midway leaves it, and no segment runs
 *   until a reset is run again, so a read model is never replayed half cleared.
 * - `name@replay`, the head of the log when the last reset began: events up to it are
 *   replayed (`ProjectionContext.replaying`). Kept after the replay, harmlessly: every
 *   checkpoint is past it by then.
 */
export function resetRecordName(processor: string): string {
  return `${processor}@reset`;
}

/** See {@link resetRecordName}. */
export function replayRecordName(processor: string): string {
  return `${processor}@replay`;
}

/** What a starting segment reads: where a replay ends, and that no reset was left halfway. */
export async function loadReplayTarget(
  checkpoints: CheckpointStore,
  processor: string,
): Promise<Position | undefined> {
  const pending = await checkpoints.loadCheckpoint(resetRecordName(processor));
  if (pending !== undefined) throw unfinishedReset(processor, pending);
  return checkpoints.loadCheckpoint(replayRecordName(processor));
}

function unfinishedReset(processor: string, position: Position): EventedError {
  return new EventedError(
    'PROCESSOR_FAILED',
    `a reset of processor ${processor} to position ${position} did not finish (its process ` +
      `stopped midway); reset it again`,
    { processor, position },
  );
}
