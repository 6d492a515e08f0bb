import { describe, expect, it } from 'vitest';
import type { ReadStreamOptions } from '@evented/core';
import { expectCode } from '../support/expect-code.js';
import { newEvents, streamId, unchecked, versionsOf } from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** Reading one stream: direction, start version and limit. */
export function describeReadStream(setup: SuiteSetup): void {
  describe('readStream', () => {
    const t = useStorage(setup);
    const stream = streamId();

    /** Five events in the stream under test, interleaved with events of two others. */
    async function fiveEvents(): Promise<void> {
      for (let i = 1; i <= 5; i++) {
        await t.eventStore.appendToStream(stream, newEvents(1, 'ItemAdded', i), {
          expectedVersion: i - 1,
        });
        await t.eventStore.appendToStream(streamId(`other-${i}`), newEvents(1), {
          expectedVersion: 0,
        });
        await t.eventStore.appendToStream(streamId('order-1', 'invoice'), newEvents(1), {
          expectedVersion: 'any',
        });
      }
    }

    it('returns nothing for a stream without events', async () => {
      expect(await t.eventStore.readStream(stream)).toEqual([]);
      expect(await t.eventStore.readStream(stream, { direction: 'backwards' })).toEqual([]);
      expect(await t.eventStore.streamVersion(stream)).toBe(0);
    });

    it('returns the stream’s own events, forwards by default, exactly as appended', async () => {
      const appended = await t.eventStore.appendToStream(stream, newEvents(3), {
        expectedVersion: 0,
      });
      await t.eventStore.appendToStream(streamId('order-2'), newEvents(2), { expectedVersion: 0 });
      expect(await t.eventStore.readStream(stream)).toEqual(appended.events);
    });

    it.each<[string, ReadStreamOptions, number[]]>([
      ['forwards', { direction: 'forwards' }, [1, 2, 3, 4, 5]],
      ['forwards from version 3', { fromVersion: 3 }, [3, 4, 5]],
      ['forwards from version 0', { fromVersion: 0 }, [1, 2, 3, 4, 5]],
      ['forwards from beyond the end', { fromVersion: 6 }, []],
      ['forwards with a limit', { limit: 2 }, [1, 2]],
      ['forwards from 2 with a limit', { fromVersion: 2, limit: 3 }, [2, 3, 4]],
      ['forwards with a limit beyond the end', { fromVersion: 4, limit: 10 }, [4, 5]],
      ['forwards with limit 0', { limit: 0 }, []],
      ['backwards', { direction: 'backwards' }, [5, 4, 3, 2, 1]],
      ['backwards from version 3', { direction: 'backwards', fromVersion: 3 }, [3, 2, 1]],
      [
        'backwards from beyond the end',
        { direction: 'backwards', fromVersion: 99 },
        [5, 4, 3, 2, 1],
      ],
      ['backwards from version 0', { direction: 'backwards', fromVersion: 0 }, []],
      ['backwards with a limit', { direction: 'backwards', limit: 2 }, [5, 4]],
      [
        'backwards from 4 with a limit',
        { direction: 'backwards', fromVersion: 4, limit: 2 },
        [4, 3],
      ],
    ])('reads %s', async (_, options, versions) => {
      await fiveEvents();
      const events = await t.eventStore.readStream(stream, options);
      expect(versionsOf(events)).toEqual(versions);
      expect(events.every((e) => e.domain === 'order' && e.aggregateId === 'order-1')).toBe(true);
      expect(events.map((e) => e.data)).toEqual(versions.map((n) => ({ n })));
    });

    it('gives the same events backwards as forwards, reversed', async () => {
      await fiveEvents();
      const forwards = await t.eventStore.readStream(stream);
      const backwards = await t.eventStore.readStream(stream, { direction: 'backwards' });
      expect(backwards).toEqual([...forwards].reverse());
    });

    it.each<[string, unknown]>([
      ['an unknown direction', { direction: 'sideways' }],
      ['a negative fromVersion', { fromVersion: -1 }],
      ['a fractional fromVersion', { fromVersion: 1.5 }],
      ['a string fromVersion', { fromVersion: '1' }],
      ['a negative limit', { limit: -1 }],
      ['a fractional limit', { limit: 2.5 }],
      ['NaN as limit', { limit: Number.NaN }],
    ])('refuses %s with INVALID_ARGUMENT', async (_, options) => {
      await fiveEvents();
      await expectCode(
        t.eventStore.readStream(stream, unchecked<ReadStreamOptions>(options)),
        'INVALID_ARGUMENT',
      );
    });
  });
}
