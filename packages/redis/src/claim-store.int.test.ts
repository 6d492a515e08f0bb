import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Fence } from '@evented/core';
import { describeWithService, expectCode } from '@evented/conformance';
import type { RedisStorage } from '@evented/redis';
import { keysOf, probeRedis, TestStorages, uniquePrefix } from './redis-test.fixture.js';

const storages = new TestStorages();
afterAll(() => storages.dispose());

const opened: RedisStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

/** Opens `count` storages, each with its own connections, on one prefix. */
async function nodes(count: number): Promise<RedisStorage[]> {
  const prefix = uniquePrefix('claims');
  const list = await Promise.all(Array.from({ length: count }, () => storages.open({ prefix })));
  opened.push(...list);
  return list;
}

describeWithService('Redis claims shared by several processes', await probeRedis(), () => {
  it('gives each segment to exactly one of many nodes racing on separate connections, again after expiry', async () => {
    const clients = await nodes(6);
    const SEGMENTS = 8;
    const race = (round: string, leaseMs: number) =>
      Promise.all(
        Array.from({ length: SEGMENTS }, (_, segment) =>
          Promise.all(
            clients.flatMap((storage, i) =>
              [0, 1, 2, 3].map((k) =>
                storage.claimStore.claim('balances', segment, `${round}-${i}-${k}`, leaseMs),
              ),
            ),
          ),
        ),
      );
    for (const [round, leaseMs, token] of [
      ['first', 1_000, 1],
      ['second', 60_000, 2],
    ] as const) {
      const outcomes = await race(round, leaseMs);
      for (const [segment, fences] of outcomes.entries()) {
        const won = fences.filter((fence): fence is Fence => fence !== undefined);
        expect(won, `segment ${segment}, ${round} round`).toHaveLength(1);
        expect(won[0]!.token).toBe(token);
      }
      // A lease long enough that no claimer of the race arrives after it ran out.
      if (round === 'first') await sleep(1_100);
    }
  });

  it('refuses the checkpoint of a node that lost its segment, from another connection', async () => {
    const [a, b] = await nodes(2);
    const { events } = await a!.eventStore.appendToStream(
      { domain: 'account', aggregateId: 'a-1' },
      [{ type: 'Deposited', data: 1 }],
      { expectedVersion: 'no-stream' },
    );
    const position = events[0]!.position;
    const old = await a!.claimStore.claim('balances', 0, 'node-a', 100);
    await sleep(150);
    const current = await b!.claimStore.claim('balances', 0, 'node-b', 60_000);
    expect(current).toMatchObject({ token: 2 });
    const error = await expectCode(
      a!.checkpointStore.saveCheckpoint('balances@0/1', position, old),
      'FENCED',
    );
    expect(error.details).toMatchObject({ currentOwner: 'node-b', currentToken: 2 });
    expect(await b!.checkpointStore.loadCheckpoint('balances@0/1')).toBeUndefined();
    await b!.checkpointStore.saveCheckpoint('balances@0/1', position, current);
    expect(await a!.checkpointStore.loadCheckpoint('balances@0/1')).toBe(position);
  });

  it('keeps claims and heartbeats under the storage’s prefix, one hash and one sorted set per processor', async () => {
    const [a] = await nodes(1);
    await a!.claimStore.heartbeat('balances', 'node-a', 60_000);
    await a!.claimStore.claim('balances', 0, 'node-a', 60_000);
    const tag = `{${a!.prefix}}`;
    expect(await keysOf(storages.admin, a!.prefix)).toEqual([
      `${tag}claims:balances`,
      `${tag}nodes:balances`,
    ]);
    expect(await storages.admin.type(`${tag}claims:balances`)).toBe('hash');
    expect(await storages.admin.type(`${tag}nodes:balances`)).toBe('zset');
  });
});
