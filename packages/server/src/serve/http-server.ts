import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventedError } from '@evented/core';
import type { Registry } from 'prom-client';
import { parseHostPort } from '../config/address.js';

/** What the HTTP endpoint serves. */
export interface HttpEndpoints {
  readonly registry: Registry;
  /** False once the server is shutting down: `/healthz` answers 503. */
  healthy(): boolean;
}

/** The running HTTP endpoint. */
export interface HttpServer {
  /** `host:port` with the real port. */
  readonly address: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text) and `GET /healthz` (`ok`, or 503 when stopping). */
export async function startHttpServer(
  address: string,
  endpoints: HttpEndpoints,
): Promise<HttpServer> {
  const { host, port } = parseHostPort(address) ?? { host: address, port: NaN };
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string) =>
      response.writeHead(code, { 'content-type': type }).end(body);
    if (request.method === 'GET' && path === '/healthz') {
      const healthy = endpoints.healthy();
      send(healthy ? 200 : 503, 'text/plain', healthy ? 'ok\n' : 'shutting down\n');
    } else if (request.method === 'GET' && path === '/metrics') {
      endpoints.registry.metrics().then(
        (text) => send(200, endpoints.registry.contentType, text),
        (error: unknown) => send(500, 'text/plain', `${String(error)}\n`),
      );
    } else {
      send(404, 'text/plain', 'not found: try /metrics or /healthz\n');
    }
  });
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new EventedError(
          'UNAVAILABLE',
          `cannot listen on ${address}: ${error.message}`,
          { address },
          { cause: error },
        ),
      ),
    );
    server.listen(port, bare, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    address: `${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
