import { create, toBinary } from '@bufbuild/protobuf';
import type {
  handleUnaryCall,
  sendUnaryData,
  ServerDuplexStream,
  ServerUnaryCall,
  ServiceError,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { credentials, Client, Metadata, Server, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusinessLogic, Command } from '@evented/core';
import { Evented, EventedConfig, fromDecider, silentLogger } from '@evented/core';
import { account } from '@evented/example-bank';
import { EventedClient } from './client/evented-client.js';
import { PayloadCodec } from './convert/payload-codec.js';
import {
  CommandGatewayService,
  DispatchStreamRequestSchema,
} from './gen/evented/v1/command_gateway_pb.js';
import { bindServer } from './server/bind-server.js';
import { commandGateway } from './server/command-gateway.js';
import type { GrpcServerOptions } from './server/grpc-server.js';
import { startGrpcServer } from './server/grpc-server.js';
import { serverDefinition } from './service-definition.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const STREAM = '/evented.v1.CommandGatewayService/DispatchStream';
const DISPATCH = '/evented.v1.CommandGatewayService/Dispatch';

async function application(logic: BusinessLogic = fromDecider(account)): Promise<Evented> {
  const evented = await Evented.builder({ ...EventedConfig.inMemory(), logger: silentLogger })
    .withBusinessLogic('account', logic)
    .build();
  cleanups.push(() => evented.close());
  return evented;
}

async function start(options: GrpcServerOptions = {}, logic?: BusinessLogic) {
  const evented = await application(logic);
  const server = await startGrpcServer(evented, { address: '127.0.0.1:0', ...options });
  cleanups.push(() => server.close(100));
  const client = new EventedClient(server.address);
  cleanups.push(() => client.close());
  return { evented, server, client };
}

/** A bare gRPC server with `implementation` as its CommandGatewayService. */
async function serveGateway(implementation: UntypedServiceImplementation) {
  const server = new Server();
  server.addService(serverDefinition(CommandGatewayService), implementation);
  const address = await bindServer(server, '127.0.0.1:0');
  cleanups.push(() => void server.forceShutdown());
  const client = new EventedClient(address);
  cleanups.push(() => client.close());
  return { server, client };
}

const open = (id: string): Command => ({
  domain: 'account',
  aggregateId: id,
  type: 'OpenAccount',
  data: { owner: id },
});
const deposit = (id: string, amount = 10): Command => ({
  domain: 'account',
  aggregateId: id,
  type: 'Deposit',
  data: { amount },
});

const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/** The parts of an evented error that callers see. */
const seen = (error: unknown) => {
  const { name, code, message, details } = error as Record<string, unknown>;
  return { name, code, message, details };
};

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('dispatch over DispatchStream', () => {
  it('runs concurrent commands on one stream, with the results of Dispatch', async () => {
    const calls: [string, status][] = [];
    const { client, evented } = await start({
      onCall: (method, code) => calls.push([method, code]),
    });
    const ids = Array.from({ length: 40 }, (_, i) => `acc-${i}`);
    await Promise.all(ids.map((id) => client.dispatch(open(id))));
    const results = await Promise.all(ids.map((id) => client.dispatch(deposit(id, 5))));
    expect(results.map((result) => [result.aggregateId, result.version])).toEqual(
      ids.map((id) => [id, 2]),
    );
    expect(results[0]?.events[0]).toMatchObject({ type: 'Deposited', data: { amount: 5 } });
    const viaDispatch = await client.dispatch(deposit('acc-0', 1), { deadlineMs: 10_000 });
    expect(viaDispatch.version).toBe(3);
    expect(await evented.storage.eventStore.headPosition()).toBe(81n);

    // Each command counts as a Dispatch call; a stream is one call, reported when it ends.
    expect(calls.filter(([method]) => method === DISPATCH)).toHaveLength(81);
    client.close();
    await until(() => calls.some(([method]) => method === STREAM));
    const streams = calls.filter(([method]) => method === STREAM);
    expect(streams.every(([, code]) => code === status.OK)).toBe(true);
  });

  it('fails commands with the errors Dispatch fails them with', async () => {
    const { client } = await start({ maxMessageBytes: 64 * 1024 });
    await client.dispatch(open('ann'));
    const commands: Command[] = [
      { ...deposit('ann'), type: 'Withdraw', data: { amount: 1_000 } },
      deposit('nobody'),
      deposit('café-🏦'),
      { ...deposit('ann'), domain: 'nope' },
      { ...deposit('ann'), aggregateId: '' },
      { ...deposit('ann'), expectedVersion: 7 },
      { ...open('ann'), data: { owner: 'y'.repeat(100 * 1024) } },
    ];
    const streamed = await Promise.all(
      commands.map((command) => failureOf(client.dispatch(command))),
    );
    const unary = [];
    for (const command of commands) {
      unary.push(await failureOf(client.dispatch(command, { deadlineMs: 10_000 })));
    }
    expect(streamed.map(seen)).toEqual(unary.map(seen));
    expect(streamed.map((error) => (error as { code: string }).code)).toEqual([
      'COMMAND_REJECTED',
      'COMMAND_REJECTED',
      'COMMAND_REJECTED',
      'UNKNOWN_DOMAIN',
      'INVALID_ARGUMENT',
      'CONCURRENCY_CONFLICT',
      'LIMIT_EXCEEDED',
    ]);
    expect(streamed[0]).toMatchObject({
      details: { reason: 'insufficient funds', grpcStatus: status.FAILED_PRECONDITION },
    });
    expect(streamed[2]).toMatchObject({ details: { aggregateId: 'café-🏦' } });
  });

  it('checks the bearer token when the stream opens', async () => {
    const { server, evented } = await start({ token: 's3cret' });
    const anonymous = new EventedClient(server.address);
    const holder = new EventedClient(server.address, { token: 's3cret' });
    cleanups.push(
      () => anonymous.close(),
      () => holder.close(),
    );
    const failures = await Promise.all(
      [open('a'), open('b')].map((c) => failureOf(anonymous.dispatch(c))),
    );
    expect(failures).toMatchObject([{ code: 'UNAUTHENTICATED' }, { code: 'UNAUTHENTICATED' }]);
    expect(await evented.storage.eventStore.headPosition()).toBe(0n);
    expect((await holder.dispatch(open('c'))).version).toBe(1);
  });

  it('falls back to Dispatch calls when the server has no DispatchStream', async () => {
    const evented = await application();
    const gateway = commandGateway(evented, new PayloadCodec(), () => {}, {
      maxMessageBytes: 4 * 1024 * 1024,
    });
    const dispatch = gateway['dispatch'] as handleUnaryCall<Buffer, unknown>;
    let unaryCalls = 0;
    const { client } = await serveGateway({
      dispatch: (call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>) => {
        unaryCalls++;
        dispatch(call, callback);
      },
    });
    const first = await Promise.all(['a', 'b', 'c'].map((id) => client.dispatch(open(id))));
    expect(first.map((result) => result.version)).toEqual([1, 1, 1]);
    expect((await client.dispatch(deposit('a'))).version).toBe(2);
    expect(await failureOf(client.dispatch(open('a')))).toMatchObject({ code: 'COMMAND_REJECTED' });
    expect(unaryCalls).toBe(5);
  });

  it('fails the commands in flight with UNAVAILABLE when the server goes away', async () => {
    let received = 0;
    const { server, client } = await serveGateway({
      // Reads commands and never answers them.
      dispatchStream: (call: ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', () => received++);
      },
    });
    const inFlight = [open('a'), open('b')].map((command) => failureOf(client.dispatch(command)));
    await until(() => received > 0);
    server.forceShutdown();
    expect(await Promise.all(inFlight)).toMatchObject([
      { code: 'UNAVAILABLE' },
      { code: 'UNAVAILABLE' },
    ]);
    expect(await failureOf(client.dispatch(open('c')))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('fails the commands in flight with UNAVAILABLE when the server ends the stream unanswered', async () => {
    let received = 0;
    const { client } = await serveGateway({
      dispatchStream: (call: ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', () => {
          received++;
          call.end();
        });
      },
    });
    const failure = await failureOf(client.dispatch(open('a')));
    expect(failure).toMatchObject({
      code: 'UNAVAILABLE',
      details: { grpcStatus: status.UNAVAILABLE },
    });
    // The next command opens another stream.
    expect(await failureOf(client.dispatch(open('b')))).toMatchObject({ code: 'UNAVAILABLE' });
    expect(received).toBe(2);
  });

  it('on server close, answers the commands in flight and ends the stream without waiting out the grace', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handling = 0;
    const logic = fromDecider(account);
    const slow: BusinessLogic = {
      async handle(command, history, options) {
        handling++;
        await gate;
        return logic.handle(command, history, options);
      },
    };
    const { server, client } = await start({}, slow);
    const inFlight = client.dispatch(open('ann'));
    await until(() => handling === 1);
    // A grace longer than the test's timeout: close must not wait for the stream to time out.
    const closing = server.close(60_000);
    release();
    expect((await inFlight).version).toBe(1);
    await closing;
    expect(await failureOf(client.dispatch(open('bob')))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('ends the stream with INVALID_ARGUMENT on a message that does not parse', async () => {
    const { server } = await start();
    const raw = new Client(server.address, credentials.createInsecure());
    cleanups.push(() => raw.close());
    const call = raw.makeBidiStreamRequest(
      STREAM,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      new Metadata(),
    );
    const failure = new Promise<ServiceError>((resolve) => call.on('error', resolve));
    call.on('data', () => {});
    const valid = toBinary(
      DispatchStreamRequestSchema,
      create(DispatchStreamRequestSchema, { commands: [] }),
    );
    call.write(Buffer.from(valid));
    call.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x01]));
    const error = await failure;
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.metadata.get('evented-code')).toEqual(['INVALID_ARGUMENT']);
  });
});
