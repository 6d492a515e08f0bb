import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResolveConfigOptions } from './resolve-config.js';
import { resolveServerConfig } from './resolve-config.js';
import { defaultServerConfig } from './server-config.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The message of the CONFIGURATION error a resolution fails with. */
function failure(options: ResolveConfigOptions): string {
  try {
    resolveServerConfig({ env: {}, ...options });
  } catch (error) {
    expect(error).toMatchObject({ code: 'CONFIGURATION' });
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('resolveServerConfig', () => {
  it('has defaults: loopback ports, the SQLite file, the bank example', () => {
    expect(resolveServerConfig({ env: {} })).toEqual({
      ...defaultServerConfig,
      domains: {},
      projectors: [],
      sagas: [],
      processors: {},
      example: 'bank',
    });
  });

  it('takes processor settings and a node id from the file, the environment and flags', () => {
    const path = file(
      'processors.yaml',
      'processors:\n  segments: 8\n  leaseMs: 2000\n  onPoison: stop\nnodeId: from-file\n',
    );
    const config = resolveServerConfig({
      env: { EVENTED_NODE_ID: 'from-env' },
      flags: { config: path, segments: '4', onPoison: 'park' },
    });
    expect(config.processors).toEqual({ segments: 4, leaseMs: 2000, onPoison: 'park' });
    expect(config.nodeId).toBe('from-env');
    expect(failure({ flags: { segments: '0' } })).toContain('--segments');
    expect(
      failure({ flags: { config: file('bad.yaml', 'processors:\n  onPoison: maybe\n') } }),
    ).toContain('processors.onPoison');
    expect(failure({ flags: { nodeId: 'a\u0000b' } })).toContain('--node-id');
  });

  it('takes flags over environment variables over the file over defaults', () => {
    const config = file(
      'layers.yaml',
      'listen: 127.0.0.1:1001\nhttp: 127.0.0.1:1002\nstore: memory\nlogLevel: debug\n' +
        'tls: { cert: /dev/null, key: /dev/null }\n',
    );
    const resolved = resolveServerConfig({
      env: {
        EVENTED_CONFIG: config,
        EVENTED_LISTEN: '127.0.0.1:2001',
        EVENTED_STORE: 'sqlite:e.db',
      },
      flags: { listen: '127.0.0.1:3001', tlsClientCa: '/dev/null', maxMessageBytes: '65536' },
    });
    expect(resolved).toMatchObject({
      listen: '127.0.0.1:3001',
      store: 'sqlite:e.db',
      http: '127.0.0.1:1002',
      logLevel: 'debug',
      synchronous: 'full',
      maxMessageBytes: 65_536,
      tls: { cert: '/dev/null', key: '/dev/null', clientCa: '/dev/null' },
    });
    const other = file('other.yaml', 'store: memory\n');
    expect(
      resolveServerConfig({ env: { EVENTED_CONFIG: config }, flags: { config: other } }).listen,
    ).toBe(defaultServerConfig.listen);
  });

  it('serves no example once domains are configured, unless asked', () => {
    const config = file(
      'remote.yaml',
      'domains:\n  order: { address: 127.0.0.1:50061, deadlineMs: 2000 }\n' +
        'projectors:\n  - { name: orders, address: "localhost:50062", filter: { types: [Placed] } }\n',
    );
    expect(resolveServerConfig({ env: {}, flags: { config } })).toMatchObject({
      example: 'none',
      domains: { order: { address: '127.0.0.1:50061', deadlineMs: 2000 } },
      projectors: [{ name: 'orders', filter: { types: ['Placed'] } }],
    });
    expect(resolveServerConfig({ env: {}, flags: { config, example: 'bank' } }).example).toBe(
      'bank',
    );
  });

  it('refuses unknown keys, naming the file and the keys it knows', () => {
    const config = file(
      'typo.yaml',
      'listen: 127.0.0.1:1\nlsten: 1\ndomains: { a: { adress: x } }\n',
    );
    const message = failure({ flags: { config } });
    expect(message).toContain(
      `lsten (from config file ${config}): unknown key; expected one of listen, http,`,
    );
    expect(message).toMatch(
      /domains\.a\.adress \(from .*\): unknown key; expected one of address, deadlineMs/,
    );
    expect(message).toMatch(/domains\.a\.address .*is required \(expected string\)/);
  });

  it('takes memory, sqlite, postgres and redis stores, and refuses others without echoing passwords', () => {
    expect(failure({ flags: { store: 'mysql:x' } })).toContain(
      'store (from --store): expected memory, sqlite:<path>, postgres://... or redis://..., found "mysql:x"',
    );
    const message = failure({ env: { EVENTED_STORE: 'postgres://me:hunter2@/test' } });
    expect(message).toContain('store (from EVENTED_STORE): expected a connection string such as');
    expect(message).not.toContain('hunter2');
    expect(
      resolveServerConfig({ env: { EVENTED_STORE: 'postgres://me:hunter2@db/test' } }).store,
    ).toBe('postgres://me:hunter2@db/test');
    expect(
      resolveServerConfig({
        env: {},
        flags: { store: 'redis://127.0.0.1:6379', redisPrefix: 'app:' },
      }),
    ).toMatchObject({
      store: 'redis://127.0.0.1:6379',
      redisPrefix: 'app:',
    });
    expect(failure({ flags: { store: 'postgres://db/x', postgresSchema: 'Bad-Name' } })).toContain(
      'postgresSchema (from --postgres-schema): expected a lower-case SQL identifier',
    );
  });

  it('refuses malformed addresses and values of the wrong type', () => {
    expect(failure({ env: { EVENTED_LISTEN: 'localhost' } })).toContain(
      'listen (from EVENTED_LISTEN): expected host:port',
    );
    expect(failure({ flags: { http: '127.0.0.1:70000' } })).toContain('http (from --http)');
    const message = failure({
      flags: { maxMessageBytes: 'lots', synchronous: 'sometimes' },
      env: { EVENTED_ALLOW_REMOTE: 'maybe' },
    });
    expect(message).toContain('maxMessageBytes (from --max-message-bytes): expected number');
    expect(message).toContain('synchronous (from --synchronous): expected one of "full"|"normal"');
    expect(message).toContain('allowRemote (from EVENTED_ALLOW_REMOTE): expected boolean');
  });

  it('refuses addresses other machines can reach unless allowRemote', () => {
    expect(failure({ flags: { listen: '0.0.0.0:50051' } })).toMatch(
      /listen \(from --listen\): 0\.0\.0\.0:50051 can be reached from other machines.*allowRemote/,
    );
    expect(failure({ flags: { http: '[::]:9464' } })).toContain('http (from --http)');
    const allowed = { listen: '0.0.0.0:50051', http: 'off', allowRemote: true };
    expect(resolveServerConfig({ env: {}, flags: allowed }).listen).toBe('0.0.0.0:50051');
    expect(resolveServerConfig({ env: {}, flags: { listen: '[::1]:0' } }).listen).toBe('[::1]:0');
  });

  it('refuses TLS files it cannot read, and a client certificate without its key', () => {
    const config = file(
      'tls.yaml',
      'tls: { cert: /nope/cert.pem, key: /dev/null }\nclientTls: { cert: /dev/null }\n',
    );
    const message = failure({ flags: { config } });
    expect(message).toContain('clientTls (from config file');
    expect(message).toContain('expected cert and key together');
    expect(failure({ flags: { tlsCert: '/nope/cert.pem', tlsKey: '/dev/null' } })).toContain(
      'tls.cert (from --tls-cert): cannot read /nope/cert.pem (ENOENT)',
    );
  });

  it('refuses a config file that is missing, not YAML, or not a mapping', () => {
    expect(failure({ flags: { config: join(dir, 'missing.yaml') } })).toContain(
      'cannot be read (ENOENT)',
    );
    expect(failure({ flags: { config: file('bad.yaml', 'listen: [\n') } })).toContain(
      'is not valid YAML',
    );
    expect(failure({ flags: { config: file('list.yaml', '- a\n') } })).toContain(
      'expected a mapping',
    );
  });

  it('refuses the bank example next to a remote account domain or a clashing processor', () => {
    const config = file(
      'clash.yaml',
      'example: bank\ndomains: { account: { address: 127.0.0.1:1 } }\nsagas: [{ name: balances, address: 127.0.0.1:2 }]\n',
    );
    const message = failure({ flags: { config } });
    expect(message).toContain('domains.account (from config file');
    expect(message).toContain('sagas[0].name (from config file');
  });
});
