import { describe, expect, it } from 'vitest';
import { hostileIds } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { LONG_LEASE_MS, outlive, SHORT_LEASE_MS, useClaimStore } from './support.js';

/** Claiming, renewing, taking over and releasing segments, with fencing tokens. */
export function describeClaim(setup: SuiteSetup): void {
  describe('claim and release: one owner per segment, tokens that only grow', () => {
    const t = useClaimStore(setup);

    it('claims a free segment with token 1 and lists the claim', async () => {
      const claims = t.claimStore;
      const before = Date.now();
      const fence = await claims.claim('balances', 3, 'node-a', LONG_LEASE_MS);
      expect(fence).toEqual({ processor: 'balances', segment: 3, owner: 'node-a', token: 1 });
      const [listed, ...others] = await claims.claims('balances');
      expect(others).toEqual([]);
      expect(listed).toMatchObject({
        processor: 'balances',
        segment: 3,
        owner: 'node-a',
        token: 1,
      });
      expect(listed!.expiresAt).toBeInstanceOf(Date);
      // The store's clock may differ from this one a little; a lease is a minute long.
      expect(listed!.expiresAt.getTime()).toBeGreaterThan(before + LONG_LEASE_MS - 10_000);
    });

    it('renews its own claim: the token stays, the lease moves', async () => {
      const claims = t.claimStore;
      await claims.claim('balances', 0, 'node-a', 1_000);
      const [first] = await claims.claims('balances');
      expect(await claims.claim('balances', 0, 'node-a', LONG_LEASE_MS)).toMatchObject({
        token: 1,
      });
      const [renewed] = await claims.claims('balances');
      expect(renewed!.token).toBe(1);
      // Measured on the store's clock alone: the second lease ends 59 s (and the time between
      // the two calls) after the first.
      const moved = renewed!.expiresAt.getTime() - first!.expiresAt.getTime();
      expect(moved).toBeGreaterThanOrEqual(LONG_LEASE_MS - 1_000 - 1);
      expect(moved).toBeLessThan(LONG_LEASE_MS - 1_000 + 10_000);
    });

    it('refuses another node while the lease is live, and changes nothing', async () => {
      const claims = t.claimStore;
      await claims.claim('balances', 0, 'node-a', LONG_LEASE_MS);
      const before = await claims.claims('balances');
      expect(await claims.claim('balances', 0, 'node-b', LONG_LEASE_MS)).toBeUndefined();
      expect(await claims.claim('balances', 0, 'node-b', SHORT_LEASE_MS)).toBeUndefined();
      expect(await claims.claims('balances')).toEqual(before);
    });

    it('lets another node take over after the lease expired, with the next token', async () => {
      const claims = t.claimStore;
      const old = await claims.claim('balances', 0, 'node-a', SHORT_LEASE_MS);
      await outlive();
      expect(await claims.claim('balances', 0, 'node-b', LONG_LEASE_MS)).toEqual({
        processor: 'balances',
        segment: 0,
        owner: 'node-b',
        token: 2,
      });
      // The old owner wakes up: it can neither renew nor release what it lost.
      expect(await claims.claim('balances', 0, 'node-a', LONG_LEASE_MS)).toBeUndefined();
      await claims.release(old!);
      expect(await claims.claims('balances')).toMatchObject([{ owner: 'node-b', token: 2 }]);
    });

    it('renews its own expired claim with the same token when nobody took it', async () => {
      const claims = t.claimStore;
      await claims.claim('balances', 0, 'node-a', SHORT_LEASE_MS);
      await outlive();
      expect(await claims.claim('balances', 0, 'node-a', LONG_LEASE_MS)).toMatchObject({
        token: 1,
      });
      expect(await claims.claim('balances', 0, 'node-b', LONG_LEASE_MS)).toBeUndefined();
    });

    it('releases a claim: no longer listed, and the next claim, by anyone, gets the next token', async () => {
      const claims = t.claimStore;
      const first = await claims.claim('balances', 0, 'node-a', LONG_LEASE_MS);
      await claims.release(first!);
      expect(await claims.claims('balances')).toEqual([]);
      const second = await claims.claim('balances', 0, 'node-b', LONG_LEASE_MS);
      expect(second).toMatchObject({ owner: 'node-b', token: 2 });
      // Releasing a stale fence does nothing.
      await claims.release(first!);
      expect(await claims.claims('balances')).toMatchObject([{ owner: 'node-b', token: 2 }]);
      await claims.release(second!);
      expect(await claims.claim('balances', 0, 'node-b', LONG_LEASE_MS)).toMatchObject({
        token: 3,
      });
    });

    it('keeps segments and processors apart, from segment 0 to 65535', async () => {
      const claims = t.claimStore;
      await claims.claim('balances', 65_535, 'node-a', LONG_LEASE_MS);
      await claims.claim('balances', 0, 'node-b', LONG_LEASE_MS);
      await claims.claim('totals', 0, 'node-c', LONG_LEASE_MS);
      expect(await claims.claim('balances', 1, 'node-c', LONG_LEASE_MS)).toMatchObject({
        token: 1,
      });
      expect(
        (await claims.claims('balances')).map(({ segment, owner, token }) => [
          segment,
          owner,
          token,
        ]),
      ).toEqual([
        [0, 'node-b', 1],
        [1, 'node-c', 1],
        [65_535, 'node-a', 1],
      ]);
      expect(await claims.claims('totals')).toMatchObject([{ segment: 0, owner: 'node-c' }]);
      expect(await claims.claims('never-claimed')).toEqual([]);
    });

    it('stores hostile but valid processor and node names verbatim', async () => {
      const claims = t.claimStore;
      const names = hostileIds(setup.limits.maxIdBytes).map(([, value]) => value);
      for (const name of names) {
        expect(await claims.claim(name, 0, name, LONG_LEASE_MS), name).toMatchObject({ token: 1 });
      }
      for (const name of names) {
        expect(await claims.claims(name), name).toMatchObject([
          { processor: name, segment: 0, owner: name, token: 1 },
        ]);
      }
    });

    it('gives a segment to exactly one of many nodes claiming it at once', async () => {
      const claims = t.claimStore;
      const race = (nodes: string, lease: number) =>
        Promise.all(
          Array.from({ length: 16 }, (_, i) => claims.claim('balances', 7, `${nodes}-${i}`, lease)),
        );
      // A lease long enough that no claimer of the race, however slowed down by a loaded
      // machine, arrives after it ran out.
      const first = (await race('early', 1_000)).filter((fence) => fence !== undefined);
      expect(first).toHaveLength(1);
      expect(first[0]!.token).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_060));
      // The expired claim is taken over once, by one of sixteen other nodes: the losers do
      // not bump the token again.
      const second = (await race('late', LONG_LEASE_MS)).filter((fence) => fence !== undefined);
      expect(second).toHaveLength(1);
      expect(second[0]!.token).toBe(2);
      expect(await claims.claims('balances')).toMatchObject([
        { owner: second[0]!.owner, token: 2 },
      ]);
    });
  });
}
