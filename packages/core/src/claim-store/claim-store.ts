/**
 * A processor's work splits into segments (by a hash of the aggregate); each segment is
 * worked by one node at a time, which holds a claim on it with a lease. The claim's
 * `token` grows with every change of owner; checkpoint writes carry the holder's
 * {@link Fence}, and a store refuses them once the token moved (`FENCED`), so a node that
 * was paused past its lease and wakes up never commits beside the new owner.
 *
 * Leases are timed by the store's clock (the database's `now()`), never by a node's.
 */
export interface Fence {
  readonly processor: string;
  readonly segment: number;
  readonly owner: string;
  readonly token: number;
}

/** One segment's claim as the store holds it. */
export interface SegmentClaim extends Fence {
  /** When the lease ends, unless renewed; by the store's clock. */
  readonly expiresAt: Date;
}

/**
 * The claim store port. Processor names and node ids are ids (the id grammar of
 * `assertValidId`); `segment` is an integer `0 <= segment < 2^16`; `leaseMs` a positive
 * integer of at most a day (86,400,000). Bad arguments fail with `INVALID_ARGUMENT` (an
 * id over the size limit with `LIMIT_EXCEEDED`) before the store is touched.
 */
export interface ClaimStore {
  /**
   * Records that `node` works on `processor` for `leaseMs` from now, and returns the nodes
   * whose heartbeat has not expired, sorted (as `Array.prototype.sort` sorts strings), this
   * one included. Heartbeats expired long ago (an hour) may be forgotten.
   */
  heartbeat(processor: string, node: string, leaseMs: number): Promise<string[]>;
  /**
   * Claims a segment for `node`: when nobody holds it, or its lease has expired, the claim
   * is taken with a token one above the last one ever given for this segment; when `node`
   * holds it already, the lease is extended and the token kept (also after its lease
   * expired, as long as nobody took the segment meanwhile). Undefined when another node
   * holds a live lease.
   */
  claim(
    processor: string,
    segment: number,
    node: string,
    leaseMs: number,
  ): Promise<Fence | undefined>;
  /**
   * Gives the segment up, if `fence` is still its claim; otherwise does nothing. The token
   * is kept: the next claim, by any node, gets the one above it.
   */
  release(fence: Fence): Promise<void>;
  /** Removes the node's heartbeat and releases every claim it holds on `processor`. */
  leave(processor: string, node: string): Promise<void>;
  /** The claims of a processor, expired ones included, by segment; released ones are not listed. */
  claims(processor: string): Promise<SegmentClaim[]>;
}
