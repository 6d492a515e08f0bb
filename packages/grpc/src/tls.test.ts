import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evented } from '@evented/core';
import { Evented as EventedApp, silentLogger } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';
import { account } from '@evented/example-bank';
import { EventedClient } from './client/evented-client.js';
import type { GrpcServer } from './server/grpc-server.js';
import { startGrpcServer } from './server/grpc-server.js';

/** A throw-away CA, and a server and a client certificate it signed, made with openssl. */
function makeCertificates(
  dir: string,
): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', Buffer> {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
  ];
  run('req', '-x509', ...key('ca'), '-out', 'ca.crt', '-days', '1', '-subj', '/CN=evented test CA');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    run('req', ...key(name), '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      'san.ext',
    );
  }
  const read = (file: string) => readFileSync(join(dir, file));
  return {
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
}

describe('mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evented-tls-'));
  let certificates: ReturnType<typeof makeCertificates>;
  let evented: Evented;
  let server: GrpcServer;

  beforeAll(async () => {
    certificates = makeCertificates(dir);
    evented = await EventedApp.builder({ storage: () => openSqliteStorage(), logger: silentLogger })
      .withBusinessLogic('account', account)
      .build();
    server = await startGrpcServer(evented, {
      address: '127.0.0.1:0',
      tls: {
        cert: certificates.serverCert,
        key: certificates.serverKey,
        clientCa: certificates.ca,
      },
    });
  });

  afterAll(async () => {
    await server.close(1000);
    await evented.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = { domain: 'account', aggregateId: 'tls', type: 'OpenAccount', data: { owner: 'T' } };

  it('serves a client that presents a certificate the CA signed', async () => {
    const client = new EventedClient(server.address, {
      tls: { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey },
    });
    expect((await client.dispatch(open)).version).toBe(1);
    client.close();
  });

  it('refuses a client without a certificate, and a plaintext one', async () => {
    const anonymous = new EventedClient(server.address, { tls: { ca: certificates.ca } });
    const plaintext = new EventedClient(server.address);
    for (const client of [anonymous, plaintext]) {
      const error = await client.readAll({}).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('UNAVAILABLE');
      client.close();
    }
  });
});
