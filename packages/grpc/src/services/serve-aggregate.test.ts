import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Command, Evented } from '@evented/core';
import { Evented as EventedApp, fromAggregate, silentLogger } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';
import { account, Card } from '@evented/example-bank';
import { remoteBusinessLogic } from '../remote/remote-business-logic.js';
import { serveBusinessLogic } from './serve-business-logic.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The bank's card class and account decider served over gRPC, and an application using them. */
async function start(): Promise<Evented> {
  const service = await serveBusinessLogic({ card: fromAggregate(Card), account });
  cleanups.push(() => service.close());
  const remote = remoteBusinessLogic(service.address, { retries: 1 });
  cleanups.push(() => remote.close());
  const evented = await EventedApp.builder({
    storage: () => openSqliteStorage(),
    logger: silentLogger,
  })
    .withBusinessLogic('card', remote, { snapshotEvery: 2 })
    .withBusinessLogic('account', remote)
    .build();
  cleanups.push(() => evented.close());
  return evented;
}

const card = (type: string, data: Command['data'] = {}): Command => ({
  domain: 'card',
  aggregateId: 'card-1',
  type,
  data,
});

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected the dispatch to fail');
}

describe('a decorated aggregate behind the gRPC BusinessLogic service', () => {
  it('runs unchanged: schemas, lifecycle, rejections and snapshots cross the wire', async () => {
    const evented = await start();
    const issue = card('IssueCard', { accountId: 'acc-1', holder: 'Ann', dailyLimit: 1_000 });
    await evented.dispatch(issue);

    const invalid = await failure(
      evented.dispatch(card('AuthorizePayment', { paymentId: 'p', amount: -1, day: '2025-03-01' })),
    );
    expect(invalid.code).toBe('INVALID_ARGUMENT');
    expect(invalid.message).toContain('command AuthorizePayment');
    expect(invalid.details['issues']).toEqual([
      { path: 'amount', message: 'Too small: expected number to be >0' },
    ]);

    const again = await failure(evented.dispatch(issue));
    expect(again.code).toBe('COMMAND_REJECTED');
    expect(again.details['lifecycle']).toBe('exists');

    const pay = (paymentId: string, amount: number) =>
      card('AuthorizePayment', { paymentId, amount, day: '2025-03-01' });
    await evented.dispatch(pay('p-1', 600));
    // A snapshot at version 2 holds the class's fields, taken by the remote service.
    const stream = { domain: 'card', aggregateId: 'card-1' };
    await vi.waitFor(async () => {
      expect(await evented.storage.snapshotStore.latestSnapshot(stream)).toMatchObject({
        version: 2,
        state: {
          state: { holder: 'Ann', spent: { day: '2025-03-01', amount: 600 } },
          closed: false,
        },
      });
    });
    // Loaded from that snapshot, the remote aggregate still knows what was spent today.
    const over = await failure(evented.dispatch(pay('p-2', 401)));
    expect(over.details).toMatchObject({ reason: 'over the daily limit', spentToday: 600 });

    await evented.dispatch(card('CancelCard', { reason: 'expired' }));
    const closed = await failure(evented.dispatch(pay('p-3', 1)));
    expect(closed.code).toBe('COMMAND_REJECTED');
    expect(closed.details['lifecycle']).toBe('closed');
    expect(await evented.storage.eventStore.streamVersion(stream)).toBe(3);

    // The decider next to it in the same service is unaffected.
    const opened = await evented.dispatch({
      domain: 'account',
      aggregateId: 'acc-1',
      type: 'OpenAccount',
      data: { owner: 'Ann' },
    });
    expect(opened.version).toBe(1);
  });
});
