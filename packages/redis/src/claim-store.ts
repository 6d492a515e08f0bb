import type { ClaimStore, Fence, Limits, SegmentClaim } from '@evented/core';
import { EventedError } from '@evented/core';
import {
  assertClaimArguments,
  assertFence,
  closedError,
  describeValue,
  fencedError as claimFencedError,
} from '@evented/core/internal';
import type { RedisConnection } from './connection.js';
import { translateRedisError } from './errors.js';
import type { RedisKeys } from './schema.js';
import { claimScript, heartbeatScript, leaveScript, releaseScript } from './scripts.js';

/**
 * The claim store on Redis: a hash of segment claims and a sorted set of node heartbeats
 * per processor, changed only by Lua scripts timed by the server's clock (`TIME`). Redis
 * runs one script at a time, so of two nodes racing for a segment one wins, and the
 * checkpoint script checks a fence atomically with the save.
 */
export class RedisClaimStore implements ClaimStore {
  readonly #client: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;

  constructor(client: RedisConnection, keys: RedisKeys, limits: Limits, isOpen: () => boolean) {
    this.#client = client;
    this.#keys = keys;
    this.#limits = limits;
    this.#isOpen = isOpen;
  }

  async heartbeat(processor: string, node: string, leaseMs: number): Promise<string[]> {
    this.#assertOpen();
    assertClaimArguments({ processor, node, leaseMs }, this.#limits);
    try {
      const nodes = await heartbeatScript.run(
        this.#client,
        [this.#keys.nodes(processor)],
        [node, leaseMs],
      );
      return (nodes as string[]).sort();
    } catch (error) {
      throw translateRedisError(error, `recording the heartbeat of ${node} on ${processor}`);
    }
  }

  async claim(
    processor: string,
    segment: number,
    node: string,
    leaseMs: number,
  ): Promise<Fence | undefined> {
    this.#assertOpen();
    assertClaimArguments({ processor, node, segment, leaseMs }, this.#limits);
    let token: unknown;
    try {
      token = await claimScript.run(
        this.#client,
        [this.#keys.claims(processor)],
        [segment, node, leaseMs],
      );
    } catch (error) {
      throw translateRedisError(error, `claiming segment ${segment} of ${processor}`);
    }
    return token === null ? undefined : { processor, segment, owner: node, token: Number(token) };
  }

  async release(fence: Fence): Promise<void> {
    this.#assertOpen();
    assertFence(fence, this.#limits);
    try {
      await releaseScript.run(
        this.#client,
        [this.#keys.claims(fence.processor)],
        [fence.segment, fence.owner, fence.token],
      );
    } catch (error) {
      throw translateRedisError(error, `releasing segment ${fence.segment} of ${fence.processor}`);
    }
  }

  async leave(processor: string, node: string): Promise<void> {
    this.#assertOpen();
    assertClaimArguments({ processor, node }, this.#limits);
    try {
      await leaveScript.run(
        this.#client,
        [this.#keys.nodes(processor), this.#keys.claims(processor)],
        [node],
      );
    } catch (error) {
      throw translateRedisError(error, `removing ${node} from ${processor}`);
    }
  }

  async claims(processor: string): Promise<SegmentClaim[]> {
    this.#assertOpen();
    assertClaimArguments({ processor }, this.#limits);
    let all: string[];
    try {
      all = (await this.#client.call('HGETALL', [this.#keys.claims(processor)])) as string[];
    } catch (error) {
      throw translateRedisError(error, `reading the claims of ${processor}`);
    }
    const claims: SegmentClaim[] = [];
    for (let i = 0; i < all.length; i += 2) {
      const { token, expiresAt, owner } = parseClaim(all[i + 1]!);
      if (owner === '') continue;
      claims.push({
        processor,
        segment: Number(all[i]),
        owner,
        token,
        expiresAt: new Date(expiresAt),
      });
    }
    return claims.sort((a, b) => a.segment - b.segment);
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the Redis claim store');
  }
}

/** A claim as stored: `<token>:<expiresAt ms>:<owner>`, the owner empty once released. */
function parseClaim(raw: string): { token: number; expiresAt: number; owner: string } {
  const [, token, expiresAt, owner] = /^(\d+):(\d+):(.*)$/s.exec(raw) ?? [];
  if (owner === undefined) {
    throw new EventedError(
      'INTERNAL',
      `a claim is stored as ${describeValue(raw)}; does something else write under this storage's prefix?`,
    );
  }
  return { token: Number(token), expiresAt: Number(expiresAt), owner };
}

/**
 * The `FENCED` error for a fence that is no longer its segment's claim, from the checkpoint
 * script's reply: the claim's token and owner now (owner empty when released), or nothing
 * when the segment was never claimed.
 */
export function fencedError(fence: Fence, token?: string, owner?: string): EventedError {
  return claimFencedError(
    fence,
    token === undefined ? undefined : { token: Number(token), owner: owner || null },
  );
}

/** The checkpoint store checks the fences it is given like release() does. */
export { assertFence };
