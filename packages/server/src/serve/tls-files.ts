import { readFileSync } from 'node:fs';
import type { ClientTls, ServerTls } from '@evented/grpc';
import type { ServerConfig } from '../config/server-config.js';

/** The server's certificate, key and client CA, read from the files the config names. */
export function readServerTls(tls: ServerConfig['tls']): ServerTls | undefined {
  if (!tls) return undefined;
  return {
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ...(tls.clientCa !== undefined && { clientCa: readFileSync(tls.clientCa) }),
  };
}

/** The TLS of the server's calls to remote services, read from the files the config names. */
export function readClientTls(tls: ServerConfig['clientTls']): ClientTls | undefined {
  if (!tls) return undefined;
  return {
    ...(tls.ca !== undefined && { ca: readFileSync(tls.ca) }),
    ...(tls.cert !== undefined && { cert: readFileSync(tls.cert) }),
    ...(tls.key !== undefined && { key: readFileSync(tls.key) }),
  };
}
