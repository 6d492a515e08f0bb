import { describe, expect, it } from 'vitest';
import type { EventedErrorCode, JsonValue, NewSnapshot, StreamId } from '@evented/core';
import { expectCode } from '../support/expect-code.js';
import { streamId, unchecked } from '../support/events.js';
import { badIds, nonJsonValues } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** Invariant 6 for snapshots: a bad snapshot is refused and the latest one stays. */
export function describeSnapshotBadInput(setup: SuiteSetup): void {
  const { limits } = setup;

  describe('invariant 6: a bad snapshot is refused and changes nothing', () => {
    const t = useStorage(setup);
    const stream = streamId();
    const good: NewSnapshot = { ...stream, version: 2, state: { good: true } };

    async function expectRefusedSnapshot(bad: unknown, code: EventedErrorCode): Promise<void> {
      await t.snapshotStore.saveSnapshot(good);
      await expectCode(t.snapshotStore.saveSnapshot(unchecked<NewSnapshot>(bad)), code);
      expect(await t.snapshotStore.latestSnapshot(stream)).toMatchObject(good);
    }

    it.each(badIds(limits.maxIdBytes))(
      'refuses an aggregate id that is %s',
      async (_, [id, code]) => {
        await expectRefusedSnapshot({ ...good, aggregateId: id, version: 3 }, code);
      },
    );

    it.each(badIds(limits.maxIdBytes))('refuses a domain that is %s', async (_, [id, code]) => {
      await expectRefusedSnapshot({ ...good, domain: id, version: 3 }, code);
    });

    it.each<[string, unknown]>([
      ['0', 0],
      ['-1', -1],
      ['1.5', 1.5],
      ["the string '3'", '3'],
      ['NaN', Number.NaN],
      ['absent', undefined],
    ])('refuses version %s with INVALID_ARGUMENT', async (_, version) => {
      await expectRefusedSnapshot({ ...good, version }, 'INVALID_ARGUMENT');
    });

    it.each<[string, unknown]>([
      ['0', 0],
      ['1.5', 1.5],
      ["the string '2'", '2'],
    ])('refuses schemaVersion %s with INVALID_ARGUMENT', async (_, schemaVersion) => {
      await expectRefusedSnapshot({ ...good, version: 3, schemaVersion }, 'INVALID_ARGUMENT');
    });

    it.each(nonJsonValues())(
      'refuses a state that is %s with INVALID_ARGUMENT',
      async (_, state) => {
        await expectRefusedSnapshot({ ...good, version: 3, state }, 'INVALID_ARGUMENT');
      },
    );

    it('refuses a state over the size limit with LIMIT_EXCEEDED', async () => {
      // A two-byte character: fewer characters than the limit, more bytes.
      const state: JsonValue = 'é'.repeat(Math.ceil(limits.maxSnapshotBytes / 2));
      await expectRefusedSnapshot({ ...good, version: 3, state }, 'LIMIT_EXCEEDED');
    });

    it.each<[string, unknown]>([
      ['null', null],
      ['a string', 'snapshot'],
    ])('refuses a snapshot that is %s with INVALID_ARGUMENT', async (_, bad) => {
      await expectRefusedSnapshot(bad, 'INVALID_ARGUMENT');
    });

    it.each(badIds(limits.maxIdBytes))(
      'refuses latestSnapshot of an id that is %s',
      async (_, [id, code]) => {
        await expectCode(
          t.snapshotStore.latestSnapshot(unchecked<StreamId>({ ...stream, aggregateId: id })),
          code,
        );
      },
    );
  });
}
