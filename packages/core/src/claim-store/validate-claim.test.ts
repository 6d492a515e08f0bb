import { describe, expect, it } from 'vitest';
import type { EventedError } from '../errors/evented-error.js';
import { isEventedError } from '../errors/evented-error.js';
import { defaultLimits, resolveLimits } from '../validation/limits.js';
import type { Fence } from './claim-store.js';
import type { ClaimArguments } from './validate-claim.js';
import {
  assertClaimArguments,
  assertFence,
  fencedError,
  MAX_LEASE_MS,
  SEGMENT_LIMIT,
} from './validate-claim.js';

const fence: Fence = { processor: 'p', segment: 3, owner: 'n-1', token: 2 };

function thrown(run: () => unknown): EventedError | undefined {
  try {
    run();
  } catch (error) {
    if (!isEventedError(error)) throw error;
    return error;
  }
  return undefined;
}

describe('assertClaimArguments', () => {
  it('accepts the arguments of every call', () => {
    const args = { processor: 'p', node: 'n', segment: SEGMENT_LIMIT - 1, leaseMs: MAX_LEASE_MS };
    expect(thrown(() => assertClaimArguments(args, defaultLimits))).toBeUndefined();
    expect(thrown(() => assertClaimArguments({ processor: 'p' }, defaultLimits))).toBeUndefined();
  });

  it('checks processor, node, segment and lease in that order, naming the field', () => {
    const good = { processor: 'p', node: 'n', segment: 0, leaseMs: 1 };
    const fieldOf = (args: ClaimArguments): unknown =>
      thrown(() => assertClaimArguments(args, defaultLimits))?.details.field;
    expect(fieldOf({ processor: '', node: '', segment: -1, leaseMs: 0 })).toBe('processor');
    expect(fieldOf({ ...good, node: '', segment: -1, leaseMs: 0 })).toBe('node');
    expect(fieldOf({ ...good, segment: -1, leaseMs: 0 })).toBe('segment');
    expect(fieldOf({ ...good, leaseMs: 0 })).toBe('leaseMs');
  });

  it('checks a key that is present even when undefined, and skips one that is absent', () => {
    expect(
      thrown(() => assertClaimArguments({ processor: 'p', segment: undefined }, defaultLimits))
        ?.message,
    ).toBe('segment: must be an integer from 0 to 65535, found undefined');
    expect(thrown(() => assertClaimArguments({ processor: 'p', node: 'n' }, defaultLimits))).toBe(
      undefined,
    );
  });

  it('refuses a segment or lease out of range with INVALID_ARGUMENT', () => {
    for (const segment of [SEGMENT_LIMIT, 1.5, '1']) {
      const error = thrown(() => assertClaimArguments({ processor: 'p', segment }, defaultLimits));
      expect(error?.code).toBe('INVALID_ARGUMENT');
    }
    const error = thrown(() =>
      assertClaimArguments({ processor: 'p', leaseMs: MAX_LEASE_MS + 1 }, defaultLimits),
    );
    expect(error?.message).toBe(
      'leaseMs: must be an integer from 1 to 86400000 (a day), found 86400001',
    );
  });

  it('refuses a long id with LIMIT_EXCEEDED', () => {
    const limits = resolveLimits({ maxIdBytes: 4 });
    expect(
      thrown(() => assertClaimArguments({ processor: 'p', node: 'nnnnn' }, limits))?.code,
    ).toBe('LIMIT_EXCEEDED');
  });
});

describe('assertFence', () => {
  it('accepts a fence', () => {
    expect(thrown(() => assertFence(fence, defaultLimits))).toBeUndefined();
  });

  it('names the field that is wrong', () => {
    expect(thrown(() => assertFence(null, defaultLimits))?.details.field).toBe('fence');
    const fields = [{ processor: '' }, { segment: SEGMENT_LIMIT }, { owner: 7 }, { token: 0 }].map(
      (change) => thrown(() => assertFence({ ...fence, ...change }, defaultLimits))?.details,
    );
    expect(fields.map((details) => details?.field)).toEqual([
      'fence.processor',
      'fence.segment',
      'fence.owner',
      'fence.token',
    ]);
  });
});

describe('fencedError', () => {
  it('says who holds the segment now', () => {
    const error = fencedError(fence, { owner: 'n-2', token: 3 });
    expect(error.code).toBe('FENCED');
    expect(error.message).toBe('p segment 3: claim token 2 of n-1 was taken over (now 3 of n-2)');
    expect(error.details).toEqual({
      processor: 'p',
      segment: 3,
      owner: 'n-1',
      token: 2,
      currentOwner: 'n-2',
      currentToken: 3,
    });
  });

  it('tells a released claim from a segment never claimed', () => {
    expect(fencedError(fence, { owner: null, token: 2 }).message).toContain(
      '(now 2 of nobody: released)',
    );
    const unclaimed = fencedError(fence, undefined);
    expect(unclaimed.message).toContain('(now unclaimed)');
    expect(unclaimed.details).toMatchObject({ currentOwner: null, currentToken: null });
  });
});
