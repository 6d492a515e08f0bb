import { describe, expect, it } from 'vitest';
import type { ClaimStore, EventedErrorCode, Fence } from '@evented/core';
import { START } from '@evented/core';
import { unchecked } from '../support/events.js';
import { expectCode } from '../support/expect-code.js';
import { badIds } from '../support/samples.js';
import type { Sample } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { LONG_LEASE_MS, useClaimStore } from './support.js';

const badSegments: Sample<unknown>[] = [
  ['negative', -1],
  ['2^16', 65_536],
  ['a fraction', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['a string', '0'],
  ['a bigint', 0n],
  ['undefined', undefined],
];

const badLeases: Sample<unknown>[] = [
  ['zero', 0],
  ['negative', -1_000],
  ['a fraction', 1.5],
  ['longer than a day', 86_400_001],
  ['NaN', Number.NaN],
  ['a string', '1000'],
  ['undefined', undefined],
];

const fence: Fence = { processor: 'balances', segment: 0, owner: 'node-a', token: 1 };

const badFences: Sample<unknown>[] = [
  ['null', null],
  ['a string', 'balances'],
  ['without a token', { ...fence, token: undefined }],
  ['with token 0', { ...fence, token: 0 }],
  ['with a fractional token', { ...fence, token: 1.5 }],
  ['with a string token', { ...fence, token: '1' }],
  ['with a bad segment', { ...fence, segment: -1 }],
  ['with an empty owner', { ...fence, owner: '' }],
  ['with a reserved processor', { ...fence, processor: '$all' }],
];

type Call = (claims: ClaimStore, value: unknown) => Promise<unknown>;

/** Each argument of each call, and the call that passes a value in its place. */
const idCalls: [string, Call][] = [
  ['the processor of claim', (c, v) => c.claim(unchecked(v), 0, 'node-a', LONG_LEASE_MS)],
  ['the node of claim', (c, v) => c.claim('balances', 0, unchecked(v), LONG_LEASE_MS)],
  ['the processor of heartbeat', (c, v) => c.heartbeat(unchecked(v), 'node-a', LONG_LEASE_MS)],
  ['the node of heartbeat', (c, v) => c.heartbeat('balances', unchecked(v), LONG_LEASE_MS)],
  ['the processor of leave', (c, v) => c.leave(unchecked(v), 'node-a')],
  ['the node of leave', (c, v) => c.leave('balances', unchecked(v))],
  ['the processor of claims', (c, v) => c.claims(unchecked(v))],
  ['the processor of a fence', (c, v) => c.release(unchecked({ ...fence, processor: v }))],
  ['the owner of a fence', (c, v) => c.release(unchecked({ ...fence, owner: v }))],
];

/** Invariant 6 for claims: bad arguments are refused before the store is touched. */
export function describeClaimBadInput(setup: SuiteSetup): void {
  describe('invariant 6: bad claim arguments are refused and change nothing', () => {
    const t = useClaimStore(setup);

    /** Runs `attempt` with each sample, expecting its code, then checks nothing was claimed. */
    async function refuseAll(
      claims: ClaimStore,
      samples: readonly Sample<readonly [unknown, EventedErrorCode]>[],
      attempt: (value: unknown) => Promise<unknown>,
    ): Promise<void> {
      for (const [name, [value, code]] of samples) {
        await expectCode(attempt(value), code).catch((failure: Error) => {
          throw new Error(`${name}: ${failure.message}`, { cause: failure });
        });
      }
      expect(await claims.claims('balances')).toEqual([]);
      expect(await claims.heartbeat('balances', 'probe', LONG_LEASE_MS)).toEqual(['probe']);
    }

    it.each(idCalls)('refuses bad ids as %s', async (_, call) => {
      const claims = t.claimStore;
      await refuseAll(claims, badIds(setup.limits.maxIdBytes), (value) => call(claims, value));
    });

    it('refuses segments that are not integers from 0 to 65535', async () => {
      const claims = t.claimStore;
      const samples = badSegments.map(
        ([name, value]) => [name, [value, 'INVALID_ARGUMENT']] as const,
      );
      await refuseAll(claims, samples, (segment) =>
        claims.claim('balances', unchecked(segment), 'node-a', LONG_LEASE_MS),
      );
      await refuseAll(claims, samples, (segment) =>
        claims.release(unchecked({ ...fence, segment })),
      );
    });

    it('refuses leases that are not whole milliseconds from 1 to a day', async () => {
      const claims = t.claimStore;
      const samples = badLeases.map(
        ([name, value]) => [name, [value, 'INVALID_ARGUMENT']] as const,
      );
      await refuseAll(claims, samples, (lease) =>
        claims.claim('balances', 0, 'node-a', unchecked(lease)),
      );
      await refuseAll(claims, samples, (lease) =>
        claims.heartbeat('balances', 'node-a', unchecked(lease)),
      );
    });

    it('refuses malformed fences in release, saveCheckpoint and saveCheckpointWith', async () => {
      const claims = t.claimStore;
      const samples = badFences.map(
        ([name, value]) => [name, [value, 'INVALID_ARGUMENT']] as const,
      );
      await refuseAll(claims, samples, (bad) => claims.release(unchecked(bad)));
      await refuseAll(claims, samples, (bad) =>
        t.checkpointStore.saveCheckpoint('balances@0/2', START, unchecked(bad)),
      );
      const save = t.checkpointStore.saveCheckpointWith?.bind(t.checkpointStore);
      let ran = 0;
      if (save) {
        await refuseAll(claims, samples, (bad) =>
          save('balances@0/2', START, () => void ran++, unchecked(bad)),
        );
      }
      expect(ran).toBe(0);
      expect(await t.checkpointStore.loadCheckpoint('balances@0/2')).toBeUndefined();
    });

    it('refuses every call with CLOSED once the storage is closed', async () => {
      const claims = t.claimStore;
      await t.storage.close();
      await expectCode(claims.claim('balances', 0, 'node-a', LONG_LEASE_MS), 'CLOSED');
      await expectCode(claims.release(fence), 'CLOSED');
      await expectCode(claims.heartbeat('balances', 'node-a', LONG_LEASE_MS), 'CLOSED');
      await expectCode(claims.leave('balances', 'node-a'), 'CLOSED');
      await expectCode(claims.claims('balances'), 'CLOSED');
    });
  });
}
