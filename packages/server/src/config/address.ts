import { isIP } from 'node:net';

/** A `host:port` split in two; `host` keeps the brackets of an IPv6 address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Parses `host:port`: an IPv4 address, a host name, or an IPv6 address in brackets
 * (`[::1]:50051`), and a port from 0 (any free port) to 65535. Undefined when malformed.
 */
export function parseHostPort(address: string): HostPort | undefined {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(address);
  if (!match) return undefined;
  const [, host = '', portText = ''] = match;
  const port = Number(portText);
  if (port > 65_535) return undefined;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (host.startsWith('[') ? isIP(bare) !== 6 : isIP(bare) !== 4 && !HOSTNAME.test(bare)) {
    return undefined;
  }
  return { host, port };
}

/**
 * True when only this machine can reach the host: `localhost`, 127.0.0.0/8 or `[::1]`.
 * The wildcard addresses `0.0.0.0` and `[::]` listen on every interface, so they are not.
 */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}
