import type { DescService } from '@bufbuild/protobuf';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { Server } from '@grpc/grpc-js';
import { serverDefinition } from '../service-definition.js';
import { bindServer } from '../server/bind-server.js';
import type { ServerTls } from '../server/bind-server.js';

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
  // Channelz (introspection evented does not serve) is on by default and costs on every call.
  const server = new Server({ 'grpc.enable_channelz': 0 });
  server.addService(serverDefinition(service), implementation);
  const address = options.address ?? '127.0.0.1:0';
  const bound = await bindServer(server, address, options.tls);
  return {
    address: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
