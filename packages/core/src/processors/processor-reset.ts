import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckpointStore } from '../checkpoint-store/checkpoint-store.js';
import type { ClaimStore, Fence } from '../claim-store/claim-store.js';
import { EventedError } from '../errors/evented-error.js';
import type { Position } from '../event-store/types.js';
import { replayRecordName, resetRecordName } from './reset-records.js';
import { segmentCheckpointName } from './segments.js';

/** Where a processor's checkpoints go back (or forward) to. */
export type ResetTarget = 'start' | Position | Date;

/** What a reset did. */
export interface ResetResult {
  /** The checkpoint every segment was set to. */
  readonly position: Position;
  /** The head of the log when the reset began: events up to it are replayed. */
  readonly replayUntil: Position;
}

/** How a rebuild clears the read model while the checkpoints go back. */
export interface ClearReadModel {
  /** Runs inside the checkpoint store's transaction that moves a checkpoint (`saveCheckpointWith`). */
  readonly transactional: boolean;
  run(transaction: unknown): void | Promise<void>;
}

/**
 * Claims every segment of `processor` for `node`, renewing those it holds, until all are
 * its or `waitMs` has passed (a dead node's claims end with their lease). Fails with
 * `UNAVAILABLE` naming the nodes that kept theirs, after giving up what it took.
 */
export async function claimEverySegment(
  claims: ClaimStore,
  options: {
    readonly processor: string;
    readonly count: number;
    readonly node: string;
    readonly leaseMs: number;
    readonly waitMs: number;
  },
): Promise<Map<number, Fence>> {
  const { processor, count, node, leaseMs } = options;
  const fences = new Map<number, Fence>();
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    // Claiming again renews the ones held: none expires while the others are awaited.
    for (let segment = 0; segment < count; segment++) {
      const fence = await claims.claim(processor, segment, node, leaseMs);
      if (fence) fences.set(segment, fence);
      else fences.delete(segment);
    }
    if (fences.size === count) return fences;
    if (Date.now() >= deadline) break;
    await sleep(Math.max(20, Math.min(leaseMs / 10, deadline - Date.now())));
  }
  const now = Date.now();
  const held = (await claims.claims(processor)).filter(
    (claim) =>
      claim.owner !== node && claim.expiresAt.getTime() > now && !fences.has(claim.segment),
  );
  for (const fence of fences.values()) await claims.release(fence);
  const holders = [...new Set(held.map((claim) => claim.owner))];
  const segments = held.map((claim) => claim.segment).sort((a, b) => a - b);
  throw new EventedError(
    'UNAVAILABLE',
    `cannot reset processor ${processor}: segments ${segments.join(', ')} are worked by ` +
      `${holders.join(', ')}; a reset needs every segment, so stop the processor on those ` +
      `nodes (or the nodes) and reset again`,
    { processor, holders, segments },
  );
}

/**
 * Sets every segment's checkpoint to `position` and records the replay's target; with
 * `clear`, clears the read model too. A single checkpoint moved with the clearing inside
 * its transaction is atomic on its own; anything more is bracketed by the `@reset` record,
 * so that a crash midway stops the processor instead of letting it run half reset.
 */
export async function moveCheckpoints(
  checkpoints: CheckpointStore,
  options: {
    readonly processor: string;
    readonly count: number;
    readonly position: Position;
    readonly replayUntil: Position;
    readonly fences: ReadonlyMap<number, Fence> | undefined;
    readonly clear: ClearReadModel | undefined;
  },
): Promise<void> {
  const { processor, count, position, fences, clear } = options;
  const name = (segment: number) => segmentCheckpointName(processor, { index: segment, count });
  const atomic = count === 1 && (clear === undefined || clear.transactional);
  if (!atomic) await checkpoints.saveCheckpoint(resetRecordName(processor), position);
  await checkpoints.saveCheckpoint(replayRecordName(processor), options.replayUntil);
  for (let segment = 1; segment < count; segment++) {
    await checkpoints.saveCheckpoint(name(segment), position, fences?.get(segment));
  }
  if (clear?.transactional) {
    if (!checkpoints.saveCheckpointWith) {
      throw new EventedError(
        'CONFIGURATION',
        `projector ${processor} is transactional, but the store has no transactional checkpoints`,
        { processor },
      );
    }
    await checkpoints.saveCheckpointWith(name(0), position, clear.run, fences?.get(0));
  } else {
    await checkpoints.saveCheckpoint(name(0), position, fences?.get(0));
    await clear?.run(undefined);
  }
  if (!atomic) await checkpoints.deleteCheckpoint(resetRecordName(processor));
}
