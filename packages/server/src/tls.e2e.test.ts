import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cli, killServers, serve } from './cli-process.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-tls-'));
afterEach(killServers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A throw-away CA and a server and a client certificate it signed, as files in `dir`. */
function makeCertificates(): void {
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
  run('req', '-x509', ...key('ca'), '-out', 'ca.crt', '-days', '1', '-subj', '/CN=evented CA');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    run('req', ...key(name), '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    const sign = ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1'];
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      ...sign,
      '-out',
      `${name}.crt`,
      '-extfile',
      'san.ext',
    );
  }
}

describe('evented serve with mutual TLS', () => {
  it('serves clients presenting a certificate its CA signed, and no others', async () => {
    makeCertificates();
    const file = (name: string) => join(dir, name);
    const server = await serve([
      ...['--listen', '127.0.0.1:0', '--http', 'off', '--store', 'memory'],
      ...['--tls-cert', file('server.crt'), '--tls-key', file('server.key')],
      ...['--tls-client-ca', file('ca.crt')],
    ]);
    expect(server.logs.at(-1)).toMatchObject({ tls: 'mutual' });
    // By name: Node warns when TLS is asked to check a certificate against an IP address.
    const address = server.grpc.replace('127.0.0.1', 'localhost');
    const at = ['--server', address, '--ca', file('ca.crt')];
    const identified = [...at, '--cert', file('client.crt'), '--key', file('client.key')];

    const opened = await cli([
      'dispatch',
      'account',
      'ann',
      'OpenAccount',
      '{"owner":"A"}',
      ...identified,
    ]);
    expect(opened).toMatchObject({
      stderr: '',
      code: 0,
      stdout: expect.stringMatching(/^1 v1 AccountOpened/),
    });
    const anonymous = await cli(['events', ...at]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^error UNAVAILABLE: /);
    const plain = await cli(['events', '--server', address]);
    expect(plain.stderr).toMatch(/^error UNAVAILABLE: /);
  });
});
