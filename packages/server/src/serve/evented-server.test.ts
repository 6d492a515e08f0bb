import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { RecordedEvent } from '@evented/core';
import { silentLogger } from '@evented/core';
import { EventedClient, serveBusinessLogic, serveProjector, serveSaga } from '@evented/grpc';
import { resolveServerConfig } from '../config/resolve-config.js';
import { heldAccount } from '../held-account.fixture.js';
import { startEventedServer } from './evented-server.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-server-'));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startEventedServer', () => {
  it('runs remote business logic, projectors and sagas, and lets commands in flight finish on close', async () => {
    const logic = heldAccount();
    const projected: RecordedEvent[] = [];
    const services = [
      await serveBusinessLogic({ account: logic.logic }),
      await serveProjector((events) => void projected.push(...events)),
      await serveSaga((event) => [
        { domain: 'account', aggregateId: event.aggregateId, type: 'Deposit', data: { amount: 1 } },
      ]),
    ];
    cleanups.push(...services.map((service) => () => service.close()));
    const [logicAt, projectorAt, sagaAt] = services.map((service) => service.address);
    const config = join(dir, 'remote.yaml');
    writeFileSync(
      config,
      `domains: { account: { address: "${logicAt}" } }\n` +
        `projectors: [{ name: audit, address: "${projectorAt}" }]\n` +
        `sagas: [{ name: welcome, address: "${sagaAt}", filter: { types: [AccountOpened] } }]\n`,
    );
    const flags = { config, store: 'memory', listen: '127.0.0.1:0', http: '127.0.0.1:0' };
    const server = await startEventedServer(resolveServerConfig({ env: {}, flags }), silentLogger);
    cleanups.push(() => server.close(100));
    const client = new EventedClient(server.grpcAddress);
    cleanups.push(() => client.close());

    await client.dispatch({
      domain: 'account',
      aggregateId: 'ann',
      type: 'OpenAccount',
      data: { owner: 'A' },
    });
    // The saga's deposit is recorded after the opening: wait for the projector to see both.
    await vi.waitFor(() => expect(projected).toHaveLength(2));
    expect(projected.map((event) => event.type)).toEqual(['AccountOpened', 'Deposited']);
    const stream = await client.readStream({ domain: 'account', aggregateId: 'ann' });
    expect(stream[1]?.causationId).toBe(`welcome:${stream[0]!.id}:0`);

    const inFlight = client.dispatch({
      domain: 'account',
      aggregateId: 'ann',
      type: 'Deposit',
      data: { amount: 99 },
    });
    await logic.arrival;
    const closing = server.close();
    const health = await fetch(`http://${server.httpAddress}/healthz`);
    expect([health.status, await health.text()]).toEqual([503, 'shutting down\n']);
    logic.release();
    expect((await inFlight).version).toBe(3);
    await closing;
    expect(server.evented.processors().map((status) => status.state)).toEqual([
      'stopped',
      'stopped',
    ]);
  });
});
