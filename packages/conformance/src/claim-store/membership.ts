import { describe, expect, it } from 'vitest';
import type { SuiteSetup } from '../support/setup.js';
import { LONG_LEASE_MS, outlive, SHORT_LEASE_MS, useClaimStore } from './support.js';

/** Node heartbeats, the live nodes they list, and leaving. */
export function describeMembership(setup: SuiteSetup): void {
  describe('heartbeat and leave: which nodes share a processor', () => {
    const t = useClaimStore(setup);

    it('lists the live nodes, sorted, this one included', async () => {
      const claims = t.claimStore;
      expect(await claims.heartbeat('balances', 'node-c', LONG_LEASE_MS)).toEqual(['node-c']);
      expect(await claims.heartbeat('balances', 'node-a', LONG_LEASE_MS)).toEqual([
        'node-a',
        'node-c',
      ]);
      expect(await claims.heartbeat('balances', 'node-b', LONG_LEASE_MS)).toEqual([
        'node-a',
        'node-b',
        'node-c',
      ]);
      // A second heartbeat renews; it does not list the node twice.
      expect(await claims.heartbeat('balances', 'node-a', LONG_LEASE_MS)).toEqual([
        'node-a',
        'node-b',
        'node-c',
      ]);
      expect(await claims.heartbeat('totals', 'node-z', LONG_LEASE_MS)).toEqual(['node-z']);
    });

    it('drops a node whose heartbeat expired, and lists it again when it beats again', async () => {
      const claims = t.claimStore;
      await claims.heartbeat('balances', 'short', SHORT_LEASE_MS);
      expect(await claims.heartbeat('balances', 'long', LONG_LEASE_MS)).toEqual(['long', 'short']);
      await outlive();
      expect(await claims.heartbeat('balances', 'long', LONG_LEASE_MS)).toEqual(['long']);
      expect(await claims.heartbeat('balances', 'short', SHORT_LEASE_MS)).toEqual([
        'long',
        'short',
      ]);
    });

    it('leaving removes the heartbeat and releases the node’s claims on that processor only', async () => {
      const claims = t.claimStore;
      await claims.heartbeat('balances', 'node-a', LONG_LEASE_MS);
      await claims.claim('balances', 0, 'node-a', LONG_LEASE_MS);
      await claims.claim('balances', 1, 'node-a', LONG_LEASE_MS);
      await claims.claim('balances', 2, 'node-b', LONG_LEASE_MS);
      await claims.claim('totals', 0, 'node-a', LONG_LEASE_MS);
      await claims.leave('balances', 'node-a');
      expect(await claims.heartbeat('balances', 'node-b', LONG_LEASE_MS)).toEqual(['node-b']);
      expect(await claims.claims('balances')).toMatchObject([{ segment: 2, owner: 'node-b' }]);
      expect(await claims.claims('totals')).toMatchObject([{ segment: 0, owner: 'node-a' }]);
      // Released, not forgotten: the next owner gets the next token.
      expect(await claims.claim('balances', 0, 'node-b', LONG_LEASE_MS)).toMatchObject({
        token: 2,
      });
    });

    it('leaving twice, or leaving a processor never joined, is no error', async () => {
      const claims = t.claimStore;
      await claims.heartbeat('balances', 'node-a', LONG_LEASE_MS);
      await claims.leave('balances', 'node-a');
      await claims.leave('balances', 'node-a');
      await claims.leave('never-joined', 'node-a');
      expect(await claims.heartbeat('balances', 'node-b', LONG_LEASE_MS)).toEqual(['node-b']);
    });
  });
}
