import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@evented/core';
import { resolveServerConfig } from '../config/resolve-config.js';
import { applicationConfig } from './application-config.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-snapshot-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(domain: string): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, ['store: memory', 'domains:', `  account: ${domain}`, ''].join('\n'));
  return path;
}

describe('a remote domain snapshot policy in the config file', () => {
  it('reaches the domain registration', () => {
    const config = resolveServerConfig({
      env: {},
      flags: {
        config: configFile(
          '{ address: "127.0.0.1:50061", snapshots: { everyEvents: 50, olderThanMs: 60000, keep: 2 } }',
        ),
      },
    });
    const app = applicationConfig(config, silentLogger);
    expect(app.config.domains?.['account']?.snapshots).toEqual({
      everyEvents: 50,
      olderThanMs: 60_000,
      keep: 2,
    });
    app.close();
  });

  it('needs a trigger, naming the field', () => {
    const resolving = () =>
      resolveServerConfig({
        env: {},
        flags: { config: configFile('{ address: "127.0.0.1:50061", snapshots: { keep: 2 } }') },
      });
    expect(resolving).toThrow(
      /domains\.account\.snapshots.*expected everyEvents, olderThanMs or both/s,
    );
  });
});
