import { describe, expect, it } from 'vitest';
import type { AggregateHistory } from '../command-handling/business-logic.js';
import type { Command } from '../command-handling/command.js';
import { isEventedError } from '../errors/evented-error.js';
import type { JsonValue } from '../event-store/types.js';
import { EventLog } from '../testing/event-log.js';
import { aggregate, command, event } from './decorators.js';
import { fromAggregate } from './from-aggregate.js';
import { Amount, Wallet } from './wallet.fixture.js';

const wallet = fromAggregate(Wallet);

/** The history of wallet w-1 after these events, optionally from a snapshot at `version`. */
function history(
  events: { type: string; data: JsonValue }[],
  snapshot?: { version: number; state: JsonValue; schemaVersion?: number },
): AggregateHistory {
  const log = new EventLog({ domain: 'wallet', aggregateId: 'w-1' });
  const recorded = log.record([
    ...Array.from({ length: snapshot?.version ?? 0 }, () => ({ type: 'Skipped', data: {} })),
    ...events,
  ]);
  const after = recorded.slice(snapshot?.version ?? 0);
  return {
    snapshot: snapshot && {
      domain: 'wallet',
      aggregateId: 'w-1',
      version: snapshot.version,
      state: snapshot.state,
      schemaVersion: snapshot.schemaVersion ?? 1,
      recordedAt: new Date(),
    },
    events: after,
    version: recorded.length,
  };
}

const cmd = (type: string, data: JsonValue = {}): Command => ({
  domain: 'wallet',
  aggregateId: 'w-1',
  type,
  data,
});

async function errorOf(promise: Promise<unknown> | unknown) {
  try {
    await promise;
  } catch (error) {
    if (isEventedError(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

const opened = { type: 'WalletOpened', data: { owner: 'Ann' } };
const credited = (amount: number) => ({ type: 'Credited', data: { amount } });

describe('fromAggregate', () => {
  it('names its domain and decides events from the fields the event handlers set', async () => {
    expect(wallet.domain).toBe('wallet');
    const decision = await wallet.handle(
      cmd('Debit', { amount: 30 }),
      history([opened, credited(50)]),
      { snapshotWanted: false },
    );
    expect(decision).toEqual({ events: [{ type: 'Debited', data: { amount: 30 } }] });
  });

  it('refuses data that fails the command schema with INVALID_ARGUMENT naming the type and the issues', async () => {
    const error = await errorOf(
      wallet.handle(cmd('Credit', { amount: -5 }), history([opened]), { snapshotWanted: false }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('command Credit');
    expect(error.message).toContain('amount: must be a whole number above 0');
    expect(error.details).toMatchObject({
      field: 'data',
      commandType: 'Credit',
      issues: [{ path: 'amount', message: 'must be a whole number above 0' }],
    });
  });

  it('refuses a command type it has no handler for with INVALID_ARGUMENT listing the known ones', async () => {
    const error = await errorOf(
      wallet.handle(cmd('Steal'), history([opened]), { snapshotWanted: false }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.details['known']).toEqual([
      'OpenWallet',
      'Credit',
      'Debit',
      'Touch',
      'CloseWallet',
    ]);
  });

  it('runs a creating command only on a new aggregate, others only on an existing one', async () => {
    const again = await errorOf(
      wallet.handle(cmd('OpenWallet', { owner: 'Bob' }), history([opened]), {
        snapshotWanted: false,
      }),
    );
    expect(again.code).toBe('COMMAND_REJECTED');
    expect(again.details).toMatchObject({
      lifecycle: 'exists',
      domain: 'wallet',
      aggregateId: 'w-1',
    });
    const missing = await errorOf(
      wallet.handle(cmd('Credit', { amount: 5 }), history([]), { snapshotWanted: false }),
    );
    expect(missing.details).toMatchObject({ lifecycle: 'missing', commandType: 'Credit' });
    // creates: 'if-missing' runs on both.
    for (const events of [[], [opened]]) {
      await expect(
        wallet.handle(cmd('Touch'), history(events), { snapshotWanted: false }),
      ).resolves.toEqual({ events: [] });
    }
  });

  it('rejects every command after a closing event, creating ones too', async () => {
    const closed = history([opened, { type: 'WalletClosed', data: {} }]);
    for (const command of [
      cmd('Credit', { amount: 1 }),
      cmd('OpenWallet', { owner: 'A' }),
      cmd('Touch'),
    ]) {
      const error = await errorOf(wallet.handle(command, closed, { snapshotWanted: false }));
      expect(error.code).toBe('COMMAND_REJECTED');
      expect(error.details).toMatchObject({ lifecycle: 'closed', reason: 'wallet w-1 is closed' });
    }
  });

  it('passes rejections on as COMMAND_REJECTED with their details', async () => {
    const error = await errorOf(
      wallet.handle(cmd('Debit', { amount: 80 }), history([opened, credited(50)]), {
        snapshotWanted: false,
      }),
    );
    expect(error.code).toBe('COMMAND_REJECTED');
    expect(error.details).toEqual({ reason: 'insufficient funds', balance: 50 });
  });

  it('snapshots the own fields and the closed flag, and loads from that snapshot', async () => {
    const decision = await wallet.handle(cmd('Credit', { amount: 7 }), history([opened]), {
      snapshotWanted: true,
    });
    expect(decision.snapshot).toEqual({
      state: { state: { owner: 'Ann', balance: 7 }, closed: false },
      schemaVersion: 1,
    });
    const fromSnapshot = history([], { version: 2, state: decision.snapshot!.state });
    await expect(
      wallet.handle(cmd('Debit', { amount: 8 }), fromSnapshot, { snapshotWanted: false }),
    ).rejects.toMatchObject({ details: { reason: 'insufficient funds', balance: 7 } });

    const closing = await wallet.handle(cmd('Debit', { amount: 7 }), fromSnapshot, {
      snapshotWanted: true,
    });
    const closedAt = await wallet.handle(
      cmd('CloseWallet'),
      history([], { version: 3, state: closing.snapshot!.state }),
      { snapshotWanted: true },
    );
    expect(closedAt.snapshot?.state).toEqual({ state: { owner: 'Ann', balance: 0 }, closed: true });
    const error = await errorOf(
      wallet.handle(cmd('Touch'), history([], { version: 4, state: closedAt.snapshot!.state }), {
        snapshotWanted: false,
      }),
    );
    expect(error.details['lifecycle']).toBe('closed');
  });

  it('stores the output of an event schema, and refuses events that fail it', async () => {
    @aggregate('meter')
    class Meter {
      @command('Read', { creates: 'if-missing' })
      read(data: { value: unknown }) {
        return { type: 'Measured', data: { amount: data.value } };
      }

      @event('Measured', {
        schema: {
          '~standard': {
            ...Amount['~standard'],
            validate: (value: unknown) => {
              const result = Amount['~standard'].validate(value);
              return 'value' in result
                ? { value: { amount: result.value!.amount, unit: 'kWh' } }
                : result;
            },
          },
        },
      })
      onMeasured() {}
    }
    const meter = fromAggregate(Meter);
    const read = (value: unknown) => ({ ...cmd('Read', { value } as JsonValue), domain: 'meter' });
    await expect(meter.handle(read(3), history([]), { snapshotWanted: false })).resolves.toEqual({
      events: [{ type: 'Measured', data: { amount: 3, unit: 'kWh' } }],
    });
    const error = await errorOf(
      meter.handle(read('three'), history([]), { snapshotWanted: false }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('event Measured decided by command Read');
    expect(error.details).toMatchObject({ field: 'events[0].data', eventType: 'Measured' });
  });

  it('uses toSnapshot and fromSnapshot when the class defines them', async () => {
    @aggregate('tally', { snapshotSchemaVersion: 2 })
    class Tally {
      readonly seen = new Set<string>();

      @command('See', { creates: 'if-missing' })
      see({ name }: { name: string }) {
        return this.seen.has(name) ? [] : { type: 'Seen', data: { name } };
      }

      @event('Seen')
      onSeen({ name }: { name: string }) {
        this.seen.add(name);
      }

      toSnapshot(): JsonValue {
        return [...this.seen];
      }

      fromSnapshot(json: JsonValue) {
        for (const name of json as string[]) this.seen.add(name);
      }
    }
    const tally = fromAggregate(Tally);
    expect(tally.snapshotSchemaVersion).toBe(2);
    const see = (name: string) => ({ ...cmd('See', { name }), domain: 'tally' });
    const first = await tally.handle(see('a'), history([]), { snapshotWanted: true });
    expect(first.snapshot).toEqual({ state: { state: ['a'], closed: false }, schemaVersion: 2 });
    const loaded = history([], { version: 1, state: first.snapshot!.state, schemaVersion: 2 });
    await expect(tally.handle(see('a'), loaded, { snapshotWanted: false })).resolves.toEqual({
      events: [],
    });
  });

  it('refuses to snapshot a state that is not plain JSON, with CONFIGURATION', async () => {
    @aggregate('diary')
    class Diary {
      last: Date | undefined = undefined;

      @command('Write', { creates: 'if-missing' })
      write() {
        return { type: 'Written', data: { at: '2025-01-01T00:00:00Z' } };
      }

      @event('Written')
      onWritten({ at }: { at: string }) {
        this.last = new Date(at);
      }
    }
    const error = await errorOf(
      fromAggregate(Diary).handle({ ...cmd('Write'), domain: 'diary' }, history([]), {
        snapshotWanted: true,
      }),
    );
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toContain('state.last');
  });

  it('fails with INTERNAL when a handler returns no event, naming the command', async () => {
    @aggregate('sloppy')
    class Sloppy {
      @command('Forget', { creates: 'if-missing' })
      forget() {
        return undefined as never;
      }
    }
    const error = await errorOf(
      fromAggregate(Sloppy).handle({ ...cmd('Forget'), domain: 'sloppy' }, history([]), {
        snapshotWanted: false,
      }),
    );
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('command Forget');
  });
});

describe('@aggregate', () => {
  const defining = (define: () => unknown) => {
    try {
      define();
    } catch (error) {
      if (isEventedError(error)) return error;
      throw error;
    }
    throw new Error('expected the class definition to fail');
  };

  it('refuses a class without commands, a command handled twice, and half of the snapshot pair', () => {
    expect(
      defining(() => {
        @aggregate('empty')
        class Empty {}
        return Empty;
      }).message,
    ).toContain('has no @command method');
    const twice = defining(() => {
      @aggregate('twice')
      class Twice {
        @command('A')
        a() {
          return [];
        }
        @command('A')
        b() {
          return [];
        }
      }
      return Twice;
    });
    expect(twice.code).toBe('CONFIGURATION');
    expect(twice.message).toContain('handles command A twice, in a and b');
    const half = defining(() => {
      @aggregate('half')
      class Half {
        @command('A')
        a() {
          return [];
        }
        toSnapshot() {
          return {};
        }
      }
      return Half;
    });
    expect(half.message).toContain('define both');
  });

  it('refuses an invalid domain, and fromAggregate refuses an undecorated class', () => {
    expect(
      defining(() => {
        @aggregate('')
        class Nameless {
          @command('A')
          a() {
            return [];
          }
        }
        return Nameless;
      }).code,
    ).toBe('INVALID_ARGUMENT');
    class Plain {}
    expect(defining(() => fromAggregate(Plain)).code).toBe('CONFIGURATION');
  });

  it('inherits handlers, and lets a subclass override one', async () => {
    @aggregate('base')
    class Base {
      @command('Hello', { creates: 'if-missing' })
      hello() {
        return { type: 'Greeted', data: { by: 'base' } };
      }
    }
    @aggregate('derived')
    class Derived extends Base {
      @command('Hello', { creates: 'if-missing' })
      override hello() {
        return { type: 'Greeted', data: { by: 'derived' } };
      }
    }
    const hello = (domain: string) => ({ ...cmd('Hello'), domain });
    await expect(
      fromAggregate(Derived).handle(hello('derived'), history([]), { snapshotWanted: false }),
    ).resolves.toEqual({ events: [{ type: 'Greeted', data: { by: 'derived' } }] });
    await expect(
      fromAggregate(Base).handle(hello('base'), history([]), { snapshotWanted: false }),
    ).resolves.toEqual({ events: [{ type: 'Greeted', data: { by: 'base' } }] });
  });
});
