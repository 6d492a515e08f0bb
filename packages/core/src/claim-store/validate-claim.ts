import { EventedError } from '../errors/evented-error.js';
import { invalidArgument } from '../errors/errors.js';
import { assertValidId, describeValue } from '../validation/ids.js';
import type { Limits } from '../validation/limits.js';
import type { Fence } from './claim-store.js';

/** Segments are numbered `0 <= segment < 2^16`. */
export const SEGMENT_LIMIT = 65_536;
/** The longest lease: a day. */
export const MAX_LEASE_MS = 86_400_000;

/**
 * The arguments of a claim store call, checked in this order: `processor`, `node`,
 * `segment`, `leaseMs`. A key that is present is checked even when its value is
 * `undefined`; a key that is absent is not (the call does not take it).
 */
export interface ClaimArguments {
  readonly processor: unknown;
  readonly node?: unknown;
  readonly segment?: unknown;
  readonly leaseMs?: unknown;
}

/**
 * Checks the arguments of a claim store call before the store is touched, with
 * `INVALID_ARGUMENT` (or `LIMIT_EXCEEDED` for a long id).
 */
export function assertClaimArguments(
  args: ClaimArguments,
  limits: Pick<Limits, 'maxIdBytes'>,
): void {
  assertValidId('processor', args.processor, limits.maxIdBytes);
  if ('node' in args) assertValidId('node', args.node, limits.maxIdBytes);
  if ('segment' in args) assertSegment('segment', args.segment);
  if ('leaseMs' in args) assertLease(args.leaseMs);
}

/** Checks a fence's fields with `INVALID_ARGUMENT` (or `LIMIT_EXCEEDED` for a long id). */
export function assertFence(fence: unknown, limits: Pick<Limits, 'maxIdBytes'>): void {
  if (typeof fence !== 'object' || fence === null) {
    throw invalidArgument('fence', `must be an object, found ${describeValue(fence)}`);
  }
  const { processor, segment, owner, token } = fence as Record<string, unknown>;
  assertValidId('fence.processor', processor, limits.maxIdBytes);
  assertSegment('fence.segment', segment);
  assertValidId('fence.owner', owner, limits.maxIdBytes);
  if (typeof token !== 'number' || !Number.isSafeInteger(token) || token < 1) {
    throw invalidArgument(
      'fence.token',
      `must be a positive integer, found ${describeValue(token)}`,
    );
  }
}

/** Checks a segment number, `0 <= segment < 2^16`, reported as `field`. */
export function assertSegment(field: string, segment: unknown): void {
  if (
    typeof segment !== 'number' ||
    !Number.isInteger(segment) ||
    segment < 0 ||
    segment >= SEGMENT_LIMIT
  ) {
    throw invalidArgument(
      field,
      `must be an integer from 0 to ${SEGMENT_LIMIT - 1}, found ${describeValue(segment)}`,
    );
  }
}

/** Checks a lease: an integer number of milliseconds from 1 to a day. */
export function assertLease(leaseMs: unknown): void {
  if (
    typeof leaseMs !== 'number' ||
    !Number.isInteger(leaseMs) ||
    leaseMs < 1 ||
    leaseMs > MAX_LEASE_MS
  ) {
    throw invalidArgument(
      'leaseMs',
      `must be an integer from 1 to ${MAX_LEASE_MS} (a day), found ${describeValue(leaseMs)}`,
    );
  }
}

/** A segment's claim as a store reads it when a fence is checked: owner null once released. */
export interface CurrentClaim {
  readonly owner: string | null;
  readonly token: number;
}

/**
 * The `FENCED` error for a fence that is no longer its segment's claim: `current` is the
 * claim now, undefined when the segment was never claimed.
 */
export function fencedError(fence: Fence, current: CurrentClaim | undefined): EventedError {
  const now = current
    ? `now ${current.token} of ${current.owner ?? 'nobody: released'}`
    : 'now unclaimed';
  return new EventedError(
    'FENCED',
    `${fence.processor} segment ${fence.segment}: claim token ${fence.token} of ${fence.owner} was taken over (${now})`,
    {
      processor: fence.processor,
      segment: fence.segment,
      owner: fence.owner,
      token: fence.token,
      currentOwner: current?.owner ?? null,
      currentToken: current?.token ?? null,
    },
  );
}
