import { describe, expect, it } from 'vitest';
import type { Fence } from '@evented/core';
import { positions } from '../support/events.js';
import { expectCode } from '../support/expect-code.js';
import type { SuiteSetup } from '../support/setup.js';
import { LONG_LEASE_MS, outlive, SHORT_LEASE_MS, useClaimStore } from './support.js';

// A processor's checkpoints are named per segment; its claims by the processor's own name.
const PROCESSOR = 'balances';
const CHECKPOINT = 'balances@0/2';

/**
 * Fenced checkpoint writes: a node that lost its claim (paused past its lease, then taken
 * over) has its checkpoint, and with `saveCheckpointWith` its read-model work, refused.
 */
export function describeFencing(setup: SuiteSetup): void {
  describe('fencing: a checkpoint write carrying a stale claim is refused and writes nothing', () => {
    const t = useClaimStore(setup);

    /**
     * `saveCheckpointWith`, or undefined where the store has none, which its capabilities
     * must then say (the transactional suite checks the converse): nothing to fence there.
     */
    function saveWith() {
      const store = t.checkpointStore;
      if (!store.saveCheckpointWith) {
        expect(t.storage.capabilities.transactionalCheckpoints).toBe(false);
        return undefined;
      }
      return store.saveCheckpointWith.bind(store);
    }

    it('saves with the segment’s current fence, even after its lease ran out unclaimed', async () => {
      const claims = t.claimStore;
      const [first, second] = await positions(t.eventStore, 2);
      const fence = await claims.claim(PROCESSOR, 0, 'node-a', SHORT_LEASE_MS);
      await t.checkpointStore.saveCheckpoint(CHECKPOINT, first!, fence);
      expect(await t.checkpointStore.loadCheckpoint(CHECKPOINT)).toBe(first);
      // Nobody else wrote since: the token still entitles its holder.
      await outlive();
      await t.checkpointStore.saveCheckpoint(CHECKPOINT, second!, fence);
      expect(await t.checkpointStore.loadCheckpoint(CHECKPOINT)).toBe(second);
    });

    it('refuses saveCheckpoint with a taken-over fence with FENCED, and saves the new owner’s', async () => {
      const claims = t.claimStore;
      const [first, second, third] = await positions(t.eventStore, 3);
      const old = await claims.claim(PROCESSOR, 0, 'node-a', SHORT_LEASE_MS);
      await t.checkpointStore.saveCheckpoint(CHECKPOINT, first!, old);
      await outlive();
      const current = await claims.claim(PROCESSOR, 0, 'node-b', LONG_LEASE_MS);
      const error = await expectCode(
        t.checkpointStore.saveCheckpoint(CHECKPOINT, second!, old),
        'FENCED',
      );
      expect(error.details).toMatchObject({
        processor: PROCESSOR,
        segment: 0,
        owner: 'node-a',
        token: 1,
      });
      expect(await t.checkpointStore.loadCheckpoint(CHECKPOINT)).toBe(first);
      await t.checkpointStore.saveCheckpoint(CHECKPOINT, third!, current);
      expect(await t.checkpointStore.loadCheckpoint(CHECKPOINT)).toBe(third);
    });

    it('refuses a released fence, a fence of an unclaimed segment and a forged one', async () => {
      const claims = t.claimStore;
      const [first] = await positions(t.eventStore, 1);
      const released = await claims.claim(PROCESSOR, 0, 'node-a', LONG_LEASE_MS);
      await claims.release(released!);
      const held = await claims.claim(PROCESSOR, 1, 'node-a', LONG_LEASE_MS);
      const refused: Fence[] = [
        released!,
        { processor: PROCESSOR, segment: 5, owner: 'node-a', token: 1 },
        { ...held!, owner: 'node-b' },
        { ...held!, token: 2 },
        { ...held!, processor: 'totals' },
      ];
      for (const fence of refused) {
        await expectCode(t.checkpointStore.saveCheckpoint(CHECKPOINT, first!, fence), 'FENCED');
      }
      expect(await t.checkpointStore.loadCheckpoint(CHECKPOINT)).toBeUndefined();
    });

    it('runs saveCheckpointWith’s work and moves the checkpoint with the current fence', async () => {
      const claims = t.claimStore;
      const save = saveWith();
      if (!save) return;
      const [first] = await positions(t.eventStore, 1);
      const fence = await claims.claim(PROCESSOR, 0, 'node-a', LONG_LEASE_MS);
      let ran = 0;
      await save(CHECKPOINT, first!, () => void ran++, fence);
      expect(ran).toBe(1);
      expect(await t.checkpointStore.loadCheckpoint(CHECKPOINT)).toBe(first);
    });

    it('refuses saveCheckpointWith with a stale fence before the work runs: neither work nor checkpoint commits', async () => {
      const claims = t.claimStore;
      const save = saveWith();
      if (!save) return;
      const [first, second] = await positions(t.eventStore, 2);
      await t.checkpointStore.saveCheckpoint(CHECKPOINT, first!);
      const old = await claims.claim(PROCESSOR, 0, 'node-a', SHORT_LEASE_MS);
      await outlive();
      await claims.claim(PROCESSOR, 0, 'node-b', LONG_LEASE_MS);
      let ran = 0;
      const error = await expectCode(
        save(CHECKPOINT, second!, () => void ran++, old),
        'FENCED',
      );
      expect(error.details).toMatchObject({ processor: PROCESSOR, owner: 'node-a', token: 1 });
      // Checked, under a lock on the claim, before the work: a read model written by the
      // work cannot commit beside the new owner's.
      expect(ran).toBe(0);
      expect(await t.checkpointStore.loadCheckpoint(CHECKPOINT)).toBe(first);
    });
  });
}
