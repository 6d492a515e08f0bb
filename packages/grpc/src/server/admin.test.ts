import { afterEach, describe, expect, it } from 'vitest';
import type { Projector, RecordedEvent } from '@evented/core';
import { Evented, silentLogger } from '@evented/core';
import { account } from '@evented/example-bank';
import { openSqliteStorage } from '@evented/sqlite';
import { EventedClient } from '../client/evented-client.js';
import { startGrpcServer } from './grpc-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An application with `projectors` served over gRPC, and a client of it. */
async function serve(projectors: Projector[]) {
  let builder = Evented.builder({
    storage: () => openSqliteStorage(),
    logger: silentLogger,
    processors: { maxAttempts: 1, retryBackoffMs: 1, batchSize: 5 },
  }).withBusinessLogic('account', account);
  for (const projector of projectors) builder = builder.withProjector(projector);
  const evented = await builder.build();
  cleanups.push(() => evented.close());
  const server = await startGrpcServer(evented, { address: '127.0.0.1:0' });
  cleanups.push(() => server.close(1000));
  const client = new EventedClient(server.address);
  cleanups.push(() => client.close());
  return { evented, client };
}

const open = (id: string) => ({
  domain: 'account',
  aggregateId: id,
  type: 'OpenAccount',
  data: { owner: id },
});
const deposit = (id: string, amount: number) => ({
  domain: 'account',
  aggregateId: id,
  type: 'Deposit',
  data: { amount },
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** Records what it handles and whether it was replayed; holds events while `held` is set. */
function recorder(name: string, options: Partial<Projector> = {}) {
  const seen: { event: RecordedEvent; replaying: boolean }[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const projector: Projector = {
    name,
    async handle(event, context) {
      await gate;
      seen.push({ event, replaying: context.replaying });
    },
    ...options,
  };
  return {
    projector,
    seen,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release() {
      gate = undefined;
      release?.();
    },
  };
}

describe('the admin service', () => {
  it('reports head, lag, rate and replay progress, and resets to the start, a position or a time', async () => {
    const log = recorder('log');
    const { evented, client } = await serve([log.projector]);
    log.hold();
    await evented.dispatch(open('ann'));
    for (let i = 0; i < 6; i++) await evented.dispatch(deposit('ann', 10));
    const [behind] = await client.processors();
    expect(behind).toMatchObject({
      name: 'log',
      kind: 'projector',
      head: 7n,
      lag: { events: 7, atLeast: false },
      segmentCount: 1,
    });
    expect(behind!.lag.seconds).toBeGreaterThanOrEqual(0);
    log.release();
    await evented.waitForProcessors();
    expect(await client.processor('log')).toMatchObject({
      state: 'live',
      checkpoint: 7n,
      head: 7n,
      lag: { events: 0, atLeast: false, seconds: 0 },
      eventsHandled: 7,
    });

    log.seen.length = 0;
    expect(await client.resetProcessor('log', { to: 3n })).toEqual({
      position: 3n,
      replayUntil: 7n,
    });
    await evented.waitForProcessors();
    expect(log.seen.map(({ event }) => event.position)).toEqual([4n, 5n, 6n, 7n]);
    expect(log.seen.every(({ replaying }) => replaying)).toBe(true);

    log.seen.length = 0;
    const fourth = (await evented.storage.eventStore.readAll({ after: 3n, limit: 1 })).events[0]!;
    const byTime = await client.resetProcessor('log', { to: fourth.recordedAt });
    expect(byTime.position).toBeLessThanOrEqual(3n);
    await evented.waitForProcessors();
    expect(log.seen.at(-1)?.event.position).toBe(7n);

    log.hold();
    log.seen.length = 0;
    await client.resetProcessor('log', { to: 'start' });
    // The first page of five is held: the replay shows where it is.
    await expect
      .poll(async () => (await client.processor('log')).replay, { timeout: 5_000 })
      .toMatchObject({ target: 7n, position: 0n });
    log.release();
    await evented.waitForProcessors();
    expect(log.seen).toHaveLength(7);
    expect(await codeOf(client.processor('nope'))).toBe('NOT_FOUND');
    expect(await codeOf(client.resetProcessor('log', { to: 99n }))).toBe('INVALID_ARGUMENT');
  });

  it('rebuilds a projector through its reset hook', async () => {
    const balances = new Map<string, number>();
    let resets = 0;
    const projector: Projector = {
      name: 'balances',
      handle(event) {
        const amount = (event.data as { amount?: number }).amount ?? 0;
        balances.set(event.aggregateId, (balances.get(event.aggregateId) ?? 0) + amount);
      },
      reset() {
        resets += 1;
        balances.clear();
      },
    };
    const { evented, client } = await serve([projector]);
    await evented.dispatch(open('bo'));
    await evented.dispatch(deposit('bo', 5), { waitFor: ['balances'] });
    await evented.dispatch(deposit('bo', 7), { waitFor: ['balances'] });
    expect(await client.rebuildProjector('balances')).toEqual({ replayUntil: 3n });
    await evented.waitForProcessors();
    expect(resets).toBe(1);
    expect(balances.get('bo')).toBe(12);
    expect(await codeOf(client.rebuildProjector('nope'))).toBe('NOT_FOUND');
  });

  it('lists, retries and skips parked events', async () => {
    const poisoned = new Set(['bad']);
    const log = recorder('log', {
      processorOptions: { onPoison: 'park' },
      handle(event) {
        if (poisoned.has(event.aggregateId)) throw new Error(`cannot handle ${event.aggregateId}`);
        log.seen.push({ event, replaying: false });
      },
    });
    const { evented, client } = await serve([log.projector]);
    await evented.dispatch(open('bad'));
    await evented.dispatch(open('ugly'));
    await evented.dispatch(deposit('bad', 1));
    await evented.dispatch(open('good'), { waitFor: ['log'] });
    poisoned.add('ugly');
    await evented.dispatch(deposit('ugly', 2), { waitFor: ['log'] });

    const letters = await client.deadLetters('log');
    expect(
      letters.map((letter) => [letter.event.aggregateId, letter.event.type, letter.reason]),
    ).toEqual([
      ['bad', 'AccountOpened', 'failed'],
      ['bad', 'Deposited', 'behind-parked'],
      ['ugly', 'Deposited', 'failed'],
    ]);
    expect(letters[0]).toMatchObject({ message: 'cannot handle bad', attempts: 1 });
    expect(letters[0]!.event.data).toMatchObject({ owner: 'bad' });
    const ofBad = await client.deadLetters('log', { domain: 'account', aggregateId: 'bad' });
    expect(ofBad).toHaveLength(2);
    expect(await client.deadLetters('log', { after: letters[1]!.event.position })).toHaveLength(1);

    poisoned.delete('bad');
    expect(await client.retryParked('log', { domain: 'account', aggregateId: 'bad' })).toBe(2);
    expect(await client.skipParked('log', { domain: 'account', aggregateId: 'ugly' })).toBe(1);
    expect(await client.deadLetters('log')).toEqual([]);
    expect(log.seen.map(({ event }) => `${event.aggregateId} ${event.type}`)).toContain(
      'bad Deposited',
    );
    expect(await codeOf(client.deadLetters('log', { domain: 'account', aggregateId: '' }))).toBe(
      'INVALID_ARGUMENT',
    );
  });
});
