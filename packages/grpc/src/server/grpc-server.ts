import type { Registry } from '@bufbuild/protobuf';
import { Server } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Evented } from '@evented/core';
import { PayloadCodec } from '../convert/payload-codec.js';
import { AdminService, file_evented_v1_admin } from '../gen/evented/v1/admin_pb.js';
import {
  CommandGatewayService,
  file_evented_v1_command_gateway,
} from '../gen/evented/v1/command_gateway_pb.js';
import {
  EventQueryService,
  file_evented_v1_event_query,
} from '../gen/evented/v1/event_query_pb.js';
import { serverDefinition } from '../service-definition.js';
import { admin } from './admin.js';
import { bindServer } from './bind-server.js';
import { checkUpcastersCall } from './check-upcasters.js';
import type { ServerTls } from './bind-server.js';
import { bearerToken } from './call-handlers.js';
import type { CallObserver } from './call-observer.js';
import { observeCalls } from './call-observer.js';
import { commandGateway } from './command-gateway.js';
import { eventQuery } from './event-query.js';
import { addReflection } from './reflection.js';

export type { ServerTls } from './bind-server.js';

/** Options of {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** `host:port`; default `127.0.0.1:50051`. Port 0 picks a free port. */
  readonly address?: string;
  readonly tls?: ServerTls;
  /** When set, every call must carry `authorization: Bearer <token>`. */
  readonly token?: string;
  /** The largest message accepted or sent; default 4 MiB. */
  readonly maxMessageBytes?: number;
  /** Message types that `Any` payloads may carry. */
  readonly registry?: Registry;
  /**
   * Told about every finished call (method, gRPC status code, duration): for metrics. Each
   * command sent on a `DispatchStream` counts as a `Dispatch` call.
   */
  readonly onCall?: CallObserver;
}

/** Defaults of {@link GrpcServerOptions}. */
export const defaultGrpcServerOptions = {
  address: '127.0.0.1:50051',
  maxMessageBytes: 4 * 1024 * 1024,
} as const;

/** A running gRPC server. */
export interface GrpcServer {
  /** The address it listens on, with the real port. */
  readonly address: string;
  /**
   * Stops accepting calls, ends live subscriptions with UNAVAILABLE (a client subscribes
   * again elsewhere or later, from its last position), ends dispatch streams once their
   * commands in flight are answered (later ones get UNAVAILABLE), lets other calls in
   * flight finish (up to `graceMs`), then closes.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves an evented application over gRPC: the command gateway, event queries with live
 * subscriptions, the admin service, `grpc.health.v1` and server reflection.
 */
export async function startGrpcServer(
  evented: Evented,
  options: GrpcServerOptions = {},
): Promise<GrpcServer> {
  const maxMessageBytes = options.maxMessageBytes ?? defaultGrpcServerOptions.maxMessageBytes;
  const server = new Server({
    // Channelz (grpc-js's introspection service, which evented does not serve) is on by
    // default and keeps per-call counters and traces.
    'grpc.enable_channelz': 0,
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    ...(options.onCall && { interceptors: [observeCalls(options.onCall)] }),
  });
  const shuttingDown = new AbortController();
  const codec = new PayloadCodec(options.registry);
  const authorize = bearerToken(options.token);
  server.addService(
    serverDefinition(CommandGatewayService),
    commandGateway(evented, codec, authorize, {
      shutdown: shuttingDown.signal,
      maxMessageBytes,
      ...(options.onCall && { observe: options.onCall }),
    }),
  );
  server.addService(
    serverDefinition(EventQueryService),
    eventQuery(evented.storage.eventStore, codec, authorize, shuttingDown.signal),
  );
  server.addService(serverDefinition(AdminService), {
    ...admin(evented, codec, authorize),
    checkUpcasters: checkUpcastersCall(evented, authorize, shuttingDown.signal),
  });
  const health = new HealthImplementation({ '': 'SERVING' });
  health.addToServer(server);
  addReflection(server, [
    file_evented_v1_command_gateway,
    file_evented_v1_event_query,
    file_evented_v1_admin,
  ]);

  const address = options.address ?? defaultGrpcServerOptions.address;
  const bound = await bindServer(server, address, options.tls);
  return {
    address: bound,
    async close(graceMs = 10_000) {
      health.setStatus('', 'NOT_SERVING');
      shuttingDown.abort();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
