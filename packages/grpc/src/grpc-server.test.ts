import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack, StringValueSchema } from '@bufbuild/protobuf/wkt';
import type { ServiceError } from '@grpc/grpc-js';
import { credentials, Client, Metadata, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Evented } from '@evented/core';
import { Evented as EventedApp, silentLogger } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';
import { account } from '@evented/example-bank';
import { EventedClient } from './client/evented-client.js';
import { DispatchRequestSchema } from './gen/evented/v1/command_gateway_pb.js';
import { remoteBusinessLogic } from './remote/remote-business-logic.js';
import type { GrpcServer } from './server/grpc-server.js';
import { startGrpcServer } from './server/grpc-server.js';
import { serveBusinessLogic } from './services/serve-business-logic.js';
import type { ServedService } from './services/start-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Running {
  evented: Evented;
  server: GrpcServer;
  client: EventedClient;
  logic: ServedService;
}

/** The bank's account logic served over gRPC, an evented server using it, and a client. */
async function start(options: { token?: string; maxMessageBytes?: number } = {}): Promise<Running> {
  const logic = await serveBusinessLogic({ account });
  cleanups.push(() => logic.close());
  const remote = remoteBusinessLogic(logic.address, { retries: 1 });
  cleanups.push(() => remote.close());
  const evented = await EventedApp.builder({
    storage: () => openSqliteStorage(),
    logger: silentLogger,
  })
    .withBusinessLogic('account', remote)
    .build();
  cleanups.push(() => evented.close());
  const server = await startGrpcServer(evented, { address: '127.0.0.1:0', ...options });
  cleanups.push(() => server.close(1000));
  const client = new EventedClient(server.address, options.token ? { token: options.token } : {});
  cleanups.push(() => client.close());
  return { evented, server, client, logic };
}

const open = (id: string) => ({
  domain: 'account',
  aggregateId: id,
  type: 'OpenAccount',
  data: { owner: id },
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** Sends raw bytes to a method, as a hostile client would. */
function rawCall(address: string, path: string, bytes: Buffer): Promise<ServiceError | undefined> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      new Metadata(),
      (error) => {
        client.close();
        resolve(error ?? undefined);
      },
    );
  });
}

describe('the gRPC server', () => {
  it('dispatches through remote business logic, and a subscriber sees the events', async () => {
    const { client } = await start();
    const opened = await client.dispatch({ ...open('ann'), commandId: 'c-1' });
    const deposited = await client.dispatch({
      domain: 'account',
      aggregateId: 'ann',
      type: 'Deposit',
      data: { amount: 70 },
    });
    expect(opened.events[0]).toMatchObject({
      type: 'AccountOpened',
      version: 1,
      position: 1n,
      data: { owner: 'ann' },
    });
    expect(deposited.version).toBe(2);
    expect((await client.dispatch({ ...open('ann'), commandId: 'c-1' })).duplicate).toBe(true);

    const seen: string[] = [];
    const abort = new AbortController();
    const following = (async () => {
      for await (const message of client.subscribe({ signal: abort.signal })) {
        seen.push(message.kind === 'event' ? message.event.type : 'caught-up');
        if (seen.length === 4) abort.abort();
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.dispatch({
      domain: 'account',
      aggregateId: 'ann',
      type: 'Withdraw',
      data: { amount: 20 },
    });
    await following;
    expect(seen).toEqual(['AccountOpened', 'Deposited', 'caught-up', 'Withdrawn']);
    expect(await client.readStream({ domain: 'account', aggregateId: 'ann' })).toHaveLength(3);
  });

  it('returns a rejection with its code and reason, and writes nothing', async () => {
    const { client, evented } = await start();
    await client.dispatch(open('bob'));
    const error = await client
      .dispatch({ domain: 'account', aggregateId: 'bob', type: 'Withdraw', data: { amount: 5 } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'COMMAND_REJECTED',
      details: { reason: 'insufficient funds' },
    });
    expect(await evented.storage.eventStore.headPosition()).toBe(1n);
  });

  it('carries non-ASCII details and messages back intact', async () => {
    const { client } = await start();
    for (const id of ['café', '🏦-ü', '日本']) {
      const error = await client
        .dispatch({ domain: 'account', aggregateId: id, type: 'Deposit', data: { amount: 1 } })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'COMMAND_REJECTED',
        details: { reason: 'account is not open', aggregateId: id },
      });
    }
    expect((await client.dispatch(open('çava'))).events[0]?.aggregateId).toBe('çava');
  });

  it('answers bad input with its status code and leaves the store unchanged', async () => {
    const { client, evented, server } = await start({ maxMessageBytes: 64 * 1024 });
    await client.dispatch(open('carl'));
    const head = await evented.storage.eventStore.headPosition();
    // Each failure is caught as it happens: they do not come back in the order sent (the
    // large command goes as a Dispatch call of its own, the others on the dispatch stream).
    const cases: [Promise<string | undefined>, string][] = [
      [codeOf(client.dispatch({ ...open('x'), domain: 'nope' })), 'UNKNOWN_DOMAIN'],
      [codeOf(client.dispatch({ ...open('') })), 'INVALID_ARGUMENT'],
      [codeOf(client.dispatch({ ...open('bad\u0000id') })), 'INVALID_ARGUMENT'],
      [
        codeOf(client.dispatch({ ...open('y'), data: { owner: 'y'.repeat(100 * 1024) } })),
        'LIMIT_EXCEEDED',
      ],
    ];
    for (const [failure, code] of cases) expect(await failure).toBe(code);

    const path = '/evented.v1.CommandGatewayService/Dispatch';
    const malformed = await rawCall(
      server.address,
      path,
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x01]),
    );
    expect(malformed?.code).toBe(status.INVALID_ARGUMENT);
    expect(malformed?.metadata.get('evented-code')).toEqual(['INVALID_ARGUMENT']);

    const wrongAny = create(DispatchRequestSchema, {
      command: {
        cover: { domain: 'account', aggregateId: 'z' },
        type: 'OpenAccount',
        payload: {
          kind: {
            case: 'any',
            value: anyPack(StringValueSchema, create(StringValueSchema, { value: 'x' })),
          },
        },
      },
    });
    const anyError = await rawCall(
      server.address,
      path,
      Buffer.from(toBinary(DispatchRequestSchema, wrongAny)),
    );
    expect(anyError?.code).toBe(status.INVALID_ARGUMENT);

    const notJson = create(DispatchRequestSchema, {
      command: {
        cover: { domain: 'account', aggregateId: 'z' },
        type: 'OpenAccount',
        payload: { kind: { case: 'json', value: '{oops' } },
      },
    });
    expect(
      (await rawCall(server.address, path, Buffer.from(toBinary(DispatchRequestSchema, notJson))))
        ?.code,
    ).toBe(status.INVALID_ARGUMENT);
    expect(await evented.storage.eventStore.headPosition()).toBe(head);
  });

  it('reports a failed processor and restarts it through the admin service', async () => {
    let broken = true;
    const evented = await EventedApp.builder({
      storage: () => openSqliteStorage(),
      logger: silentLogger,
      processors: { maxAttempts: 1 },
    })
      .withBusinessLogic('account', account)
      .withProjector({
        name: 'fragile',
        handle: () => {
          if (broken) throw new Error('read model offline');
        },
      })
      .build();
    cleanups.push(() => evented.close());
    const server = await startGrpcServer(evented, { address: '127.0.0.1:0' });
    cleanups.push(() => server.close(1000));
    const client = new EventedClient(server.address);
    cleanups.push(() => client.close());
    const error = await client
      .dispatch(open('fay'), { waitFor: ['fragile'] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROCESSOR_FAILED' });
    const [failed] = await client.processors();
    expect(failed).toMatchObject({ name: 'fragile', state: 'error', checkpoint: 0n });
    expect(failed?.failure).toMatchObject({
      message: 'read model offline',
      position: 1n,
      attempts: 1,
    });

    broken = false;
    await client.restartProcessor('fragile');
    await evented.waitForProcessors();
    expect(await client.processors()).toMatchObject([
      { name: 'fragile', state: 'live', checkpoint: 1n },
    ]);
    expect(await codeOf(client.restartProcessor('nope'))).toBe('NOT_FOUND');
  });

  it('requires the bearer token when one is configured', async () => {
    const { server, evented } = await start({ token: 's3cret' });
    const anonymous = new EventedClient(server.address);
    const wrong = new EventedClient(server.address, { token: 'guess' });
    cleanups.push(
      () => anonymous.close(),
      () => wrong.close(),
    );
    expect(await codeOf(anonymous.dispatch(open('dan')))).toBe('UNAUTHENTICATED');
    expect(await codeOf(wrong.readAll())).toBe('UNAUTHENTICATED');
    expect(await evented.storage.eventStore.headPosition()).toBe(0n);
  });

  it('fails the command with UNAVAILABLE when the business logic is down, writing nothing', async () => {
    const { client, logic, evented } = await start();
    await logic.close();
    expect(await codeOf(client.dispatch(open('eve')))).toBe('UNAVAILABLE');
    expect(await evented.storage.eventStore.headPosition()).toBe(0n);
  });
});
