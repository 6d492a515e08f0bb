import type { DescService } from '@bufbuild/protobuf';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { EventedError } from '@evented/core';
import { serverDefinition } from '../service-definition.js';
import type { ServerTls } from '../server/grpc-server.js';

/** Options of the `serve…` helpers for user services. */
export interface ServeOptions {
  /** `host:port`; default `127.0.0.1:0`, a free port. */
  readonly address?: string;
  readonly tls?: ServerTls;
}

/** A running user service. */
export interface ServedService {
  /** The address it listens on, with the real port: give it to the evented server. */
  readonly address: string;
  close(): Promise<void>;
}

/** Starts a gRPC server with one service. */
export async function startServer(
  service: DescService,
  implementation: UntypedServiceImplementation,
  options: ServeOptions,
): Promise<ServedService> {
  const server = new Server();
  server.addService(serverDefinition(service), implementation);
  const address = options.address ?? '127.0.0.1:0';
  const credentials = options.tls
    ? ServerCredentials.createSsl(
        options.tls.clientCa ?? null,
        [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
        options.tls.clientCa !== undefined,
      )
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (error, bound) =>
      error
        ? reject(new EventedError('UNAVAILABLE', `cannot listen on ${address}: ${error.message}`))
        : resolve(bound),
    ),
  );
  return {
    address: `${address.slice(0, address.lastIndexOf(':'))}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
