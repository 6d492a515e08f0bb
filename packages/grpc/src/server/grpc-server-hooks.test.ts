import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Evented, EventedConfig, silentLogger } from '@evented/core';
import { account } from '@evented/example-bank';
import { EventedClient } from '../client/evented-client.js';
import { startGrpcServer } from './grpc-server.js';
import type { GrpcServerOptions } from './grpc-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: GrpcServerOptions = {}) {
  const evented = await Evented.builder({ ...EventedConfig.inMemory(), logger: silentLogger })
    .withBusinessLogic('account', account)
    .build();
  cleanups.push(() => evented.close());
  const server = await startGrpcServer(evented, { address: '127.0.0.1:0', ...options });
  cleanups.push(() => server.close(100));
  const client = new EventedClient(server.address);
  cleanups.push(() => client.close());
  return { server, client };
}

const open = { domain: 'account', aggregateId: 'ann', type: 'OpenAccount', data: { owner: 'A' } };

describe('the gRPC server hooks', () => {
  it('tells onCall about each finished call: method, status code, duration', async () => {
    const calls: [string, status, number][] = [];
    const { client } = await start({ onCall: (...call) => calls.push(call) });
    await client.dispatch(open);
    await client.dispatch({ ...open, type: 'Withdraw', data: { amount: 5 } }).catch(() => {});
    await client.readAll();
    // The client sends the commands on a DispatchStream: each counts as a Dispatch call, and
    // the stream is reported too once it ends, which it does when idle.
    const stream = '/evented.v1.CommandGatewayService/DispatchStream';
    const unary = calls.filter(([method]) => method !== stream);
    expect(unary.map(([method, code]) => [method, code])).toEqual([
      ['/evented.v1.CommandGatewayService/Dispatch', status.OK],
      ['/evented.v1.CommandGatewayService/Dispatch', status.FAILED_PRECONDITION],
      ['/evented.v1.EventQueryService/ReadAll', status.OK],
    ]);
    for (const [, , durationMs] of calls) expect(durationMs).toBeGreaterThanOrEqual(0);
  });

  it('ends a subscription that fails with its status (here UNAUTHENTICATED)', async () => {
    const { server } = await start({ token: 's3cret' });
    const anonymous = new EventedClient(server.address);
    cleanups.push(() => anonymous.close());
    const failure = await (async () => {
      for await (const message of anonymous.subscribe()) void message;
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('ends live subscriptions with UNAVAILABLE on close instead of waiting out the grace', async () => {
    const { server, client } = await start();
    await client.dispatch(open);
    const seen: string[] = [];
    const following = (async () => {
      for await (const message of client.subscribe()) seen.push(message.kind);
    })().catch((error: unknown) => error);
    while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));

    const started = Date.now();
    await server.close(5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await following).toMatchObject({ code: 'UNAVAILABLE' });
    expect(seen).toEqual(['event', 'caught-up']);
  });
});
