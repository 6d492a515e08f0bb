import type { Server } from '@grpc/grpc-js';
import { ServerCredentials } from '@grpc/grpc-js';
import { EventedError } from '@evented/core';

/** TLS for a server: PEM contents. With `clientCa`, clients must present a certificate it signed. */
export interface ServerTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa?: Buffer;
}

/**
 * Binds a server to `host:port`, in plain text or TLS (mutual with `clientCa`), and
 * returns the address it listens on with the real port (for port 0).
 */
export async function bindServer(
  server: Server,
  address: string,
  tls?: ServerTls,
): Promise<string> {
  const credentials = tls
    ? ServerCredentials.createSsl(
        tls.clientCa ?? null,
        [{ cert_chain: tls.cert, private_key: tls.key }],
        tls.clientCa !== undefined,
      )
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (error, bound) =>
      error
        ? reject(
            new EventedError(
              'UNAVAILABLE',
              `cannot listen on ${address}: ${error.message}`,
              { address },
              { cause: error },
            ),
          )
        : resolve(bound),
    ),
  );
  return `${address.slice(0, address.lastIndexOf(':'))}:${port}`;
}
