import { describe, expect, it } from 'vitest';
import type { Position } from '@evented/core';
import { START } from '@evented/core';
import { expectCode } from '../support/expect-code.js';
import { positions, unchecked } from '../support/events.js';
import { badIds, hostileIds } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** Loading, saving, overwriting and deleting checkpoints, and refusing bad ones. */
export function describeSaveCheckpoint(setup: SuiteSetup): void {
  describe('saveCheckpoint, loadCheckpoint and deleteCheckpoint', () => {
    const t = useStorage(setup);

    it('loads nothing for a processor that never saved', async () => {
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBeUndefined();
    });

    it('loads what was saved, as a bigint', async () => {
      const [, second] = await positions(t.eventStore, 3);
      await t.checkpointStore.saveCheckpoint('projector', second!);
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(second);
    });

    it('saves the start of the log, and the head exactly', async () => {
      await t.checkpointStore.saveCheckpoint('empty', START);
      expect(await t.checkpointStore.loadCheckpoint('empty')).toBe(START);
      await positions(t.eventStore, 2);
      const head = await t.eventStore.headPosition();
      await t.checkpointStore.saveCheckpoint('projector', head);
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(head);
    });

    it('overwrites a checkpoint, forwards and back', async () => {
      const [first, , third] = await positions(t.eventStore, 3);
      await t.checkpointStore.saveCheckpoint('projector', first!);
      await t.checkpointStore.saveCheckpoint('projector', third!);
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(third);
      await t.checkpointStore.saveCheckpoint('projector', first!);
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(first);
    });

    it('deletes a checkpoint, and deleting an unknown one is no error', async () => {
      const [first] = await positions(t.eventStore, 1);
      await t.checkpointStore.saveCheckpoint('projector', first!);
      await t.checkpointStore.deleteCheckpoint('projector');
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBeUndefined();
      await t.checkpointStore.deleteCheckpoint('never-saved');
      await t.checkpointStore.saveCheckpoint('projector', first!);
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(first);
    });

    it('keeps processors apart, hostile but valid names verbatim', async () => {
      const names = hostileIds(setup.limits.maxIdBytes).map(([, value]) => value);
      const logged = await positions(t.eventStore, names.length);
      for (const [i, name] of names.entries())
        await t.checkpointStore.saveCheckpoint(name, logged[i]!);
      await t.checkpointStore.deleteCheckpoint(names[0]!);
      expect(await t.checkpointStore.loadCheckpoint(names[0]!)).toBeUndefined();
      for (const [i, name] of names.entries()) {
        if (i > 0) expect(await t.checkpointStore.loadCheckpoint(name), name).toBe(logged[i]);
      }
    });
  });

  describe('invariant 6: a bad checkpoint is refused and changes nothing', () => {
    const t = useStorage(setup);

    it('refuses a position beyond the head of the log with INVALID_ARGUMENT', async () => {
      const [first] = await positions(t.eventStore, 2);
      await t.checkpointStore.saveCheckpoint('projector', first!);
      const head = await t.eventStore.headPosition();
      await expectCode(
        t.checkpointStore.saveCheckpoint('projector', head + 1n),
        'INVALID_ARGUMENT',
      );
      await expectCode(
        t.checkpointStore.saveCheckpoint('projector', head + 2n ** 62n),
        'INVALID_ARGUMENT',
      );
      await expectCode(t.checkpointStore.saveCheckpoint('fresh', head + 1n), 'INVALID_ARGUMENT');
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(first);
      expect(await t.checkpointStore.loadCheckpoint('fresh')).toBeUndefined();
    });

    it.each<[string, unknown]>([
      ['negative', -1n],
      ['a number', 1],
      ['a string', '1'],
      ['absent', undefined],
      ['null', null],
    ])('refuses a position that is %s with INVALID_ARGUMENT', async (_, position) => {
      await positions(t.eventStore, 2);
      await expectCode(
        t.checkpointStore.saveCheckpoint('projector', unchecked<Position>(position)),
        'INVALID_ARGUMENT',
      );
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBeUndefined();
    });

    const calls = [
      ['saveCheckpoint', (name: string) => t.checkpointStore.saveCheckpoint(name, START)],
      ['loadCheckpoint', (name: string) => t.checkpointStore.loadCheckpoint(name)],
      ['deleteCheckpoint', (name: string) => t.checkpointStore.deleteCheckpoint(name)],
    ] as const;
    const cases = badIds(setup.limits.maxIdBytes).flatMap(([name, [value, code]]) =>
      calls.map(([call, run]) => [`${call} of a name that is ${name}`, run, value, code] as const),
    );
    it.each(cases)('refuses %s', async (_, run, value, code) => {
      await expectCode(run(unchecked<string>(value)), code);
    });
  });
}
