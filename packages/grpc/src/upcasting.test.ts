import { afterEach, describe, expect, it } from 'vitest';
import type { Upcaster } from '@evented/core';
import { Evented, silentLogger } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';
import type { RemoteUpcasterCheckReport, SubscriptionMessage } from './client/evented-client.js';
import { EventedClient } from './client/evented-client.js';
import { startGrpcServer } from './server/grpc-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `Deposited` v1 `{ amount }` -> v2 adds `currency` -> v3 calls the amount `cents`. */
const upcasters: Upcaster[] = [
  {
    type: 'Deposited',
    fromVersion: 1,
    upcast: ({ data }) => ({ data: { ...(data as object), currency: 'EUR' } }),
  },
  {
    type: 'Deposited',
    fromVersion: 2,
    upcast: ({ data }) => {
      const { amount, ...rest } = data as { amount: number };
      return { data: { ...rest, cents: amount } };
    },
  },
];

const ann = { domain: 'account', aggregateId: 'ann' };

/** A server whose store holds two `Deposited` events of version 1 and, if asked, one of 9. */
async function start(broken = false): Promise<EventedClient> {
  const storage = await openSqliteStorage();
  await storage.eventStore.appendToStream(
    ann,
    [
      { type: 'Deposited', data: { amount: 5 }, schemaVersion: 1 },
      { type: 'Deposited', data: { amount: 7 }, schemaVersion: 1 },
      ...(broken ? [{ type: 'Deposited', data: { amount: 9 }, schemaVersion: 9 }] : []),
    ],
    { expectedVersion: 0 },
  );
  const evented = await Evented.builder({ storage: async () => storage, logger: silentLogger })
    .withUpcasters(...upcasters)
    .build();
  cleanups.push(() => evented.close());
  const server = await startGrpcServer(evented, { address: '127.0.0.1:0' });
  cleanups.push(() => server.close(1000));
  const client = new EventedClient(server.address);
  cleanups.push(() => client.close());
  return client;
}

describe('gRPC reads with upcasters', () => {
  it('serve events at the current version from ReadStream, ReadAll and Subscribe', async () => {
    const client = await start();
    const current = [
      { schemaVersion: 3, data: { currency: 'EUR', cents: 5 } },
      { schemaVersion: 3, data: { currency: 'EUR', cents: 7 } },
    ];
    expect(await client.readStream(ann)).toMatchObject(current);
    expect((await client.readAll()).events).toMatchObject(current);
    const seen: SubscriptionMessage[] = [];
    for await (const message of client.subscribe()) {
      if (message.kind === 'caught-up') break;
      seen.push(message);
    }
    expect(seen.map((m) => m.kind === 'event' && m.event)).toMatchObject(current);
  });

  it('fail with UPCAST_FAILED, and CheckUpcasters reports the event with progress', async () => {
    const client = await start(true);
    await expect(client.readStream(ann)).rejects.toMatchObject({
      code: 'UPCAST_FAILED',
      details: { type: 'Deposited', schemaVersion: 9, version: 3 },
    });
    const reports: RemoteUpcasterCheckReport[] = [];
    for await (const report of client.checkUpcasters({ pageSize: 2 })) reports.push(report);
    expect(reports).toEqual([
      { kind: 'progress', checked: 2, failed: 0, position: 2n, head: 3n },
      {
        kind: 'failure',
        eventId: expect.any(String),
        domain: 'account',
        aggregateId: 'ann',
        version: 3,
        position: 3n,
        type: 'Deposited',
        schemaVersion: 9,
        message: expect.stringContaining('Deposited schema version 9 is newer'),
      },
      { kind: 'done', checked: 3, failed: 1, position: 3n, head: 3n },
    ]);
  });
});
