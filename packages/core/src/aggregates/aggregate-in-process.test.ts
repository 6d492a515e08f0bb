import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStorage } from '@evented/sqlite';
import type { BusinessLogic } from '../command-handling/business-logic.js';
import type { Command } from '../command-handling/command.js';
import type { Evented } from '../facade/evented.js';
import { Evented as EventedApp } from '../facade/evented.js';
import { silentLogger } from '../observability/logger.js';
import type { Storage } from '../storage/storage.js';
import { fromAggregate } from './from-aggregate.js';
import { Wallet } from './wallet.fixture.js';

const opened: Evented[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((evented) => evented.close()));
});

async function app(
  storage: Storage,
  snapshotEvery?: number,
  logic: BusinessLogic = fromAggregate(Wallet),
): Promise<Evented> {
  const evented = await EventedApp.builder({ storage: async () => storage, logger: silentLogger })
    .withBusinessLogic('wallet', logic, snapshotEvery ? { snapshotEvery } : {})
    .build();
  opened.push(evented);
  return evented;
}

const wallet = (type: string, data: Command['data'] = {}, extra: Partial<Command> = {}) => ({
  domain: 'wallet',
  aggregateId: 'w-1',
  type,
  data,
  ...extra,
});

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string; details?: { lifecycle?: string } }).details?.lifecycle
      ? [
          (error as { code: string }).code,
          (error as { details: { lifecycle: string } }).details.lifecycle,
        ]
      : (error as { code?: string }).code;
  }
}

describe('an aggregate class dispatched in-process', () => {
  it('runs commands, checks data on dispatch, and writes nothing for refused ones', async () => {
    const storage = await openSqliteStorage();
    const evented = await app(storage);
    expect(await codeOf(evented.dispatch(wallet('Credit', { amount: 5 })))).toEqual([
      'COMMAND_REJECTED',
      'missing',
    ]);
    await evented.dispatch(wallet('OpenWallet', { owner: 'Ann' }));
    expect(await codeOf(evented.dispatch(wallet('Credit', { amount: 'lots' })))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(evented.dispatch(wallet('OpenWallet', { owner: 'Ann' })))).toEqual([
      'COMMAND_REJECTED',
      'exists',
    ]);
    const credited = await evented.dispatch(wallet('Credit', { amount: 5 }));
    expect(credited.version).toBe(2);
    expect(await storage.eventStore.streamVersion({ domain: 'wallet', aggregateId: 'w-1' })).toBe(
      2,
    );
  });

  it('returns the first result of a creating command sent twice, not a rejection', async () => {
    const evented = await app(await openSqliteStorage());
    const open = wallet('OpenWallet', { owner: 'Ann' }, { commandId: 'open-w-1' });
    const first = await evented.dispatch(open);
    const again = await evented.dispatch(open);
    expect(again).toMatchObject({ duplicate: true, version: first.version });
  });

  it('snapshots its fields, loads from the snapshot, and stays closed across a restart', async () => {
    const storage = await openSqliteStorage();
    const first = await app(storage, 2);
    await first.dispatch(wallet('OpenWallet', { owner: 'Ann' }));
    await first.dispatch(wallet('Credit', { amount: 10 }));
    await first.dispatch(wallet('Debit', { amount: 10 }));
    await first.dispatch(wallet('CloseWallet'));
    const stream = { domain: 'wallet', aggregateId: 'w-1' };
    await vi.waitFor(async () => {
      const snapshot = await storage.snapshotStore.latestSnapshot(stream);
      expect(snapshot).toMatchObject({
        version: 4,
        state: { state: { owner: 'Ann', balance: 0 }, closed: true },
      });
    });

    // A second application on the same store loads the aggregate from that snapshot.
    const loaded: (number | undefined)[] = [];
    const logic = fromAggregate(Wallet);
    const second = await app(storage, 2, {
      snapshotSchemaVersion: logic.snapshotSchemaVersion,
      handle(command, history, options) {
        loaded.push(history.snapshot?.version);
        return logic.handle(command, history, options);
      },
    });
    expect(await codeOf(second.dispatch(wallet('Credit', { amount: 1 })))).toEqual([
      'COMMAND_REJECTED',
      'closed',
    ]);
    expect(loaded).toEqual([4]);
    expect(await storage.eventStore.streamVersion(stream)).toBe(4);
  });
});
