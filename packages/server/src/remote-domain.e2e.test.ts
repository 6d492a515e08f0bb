import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { account } from '@evented/example-bank';
import type { ServedService } from '@evented/grpc';
import { serveBusinessLogic } from '@evented/grpc';
import { cli, killServers, serve } from './cli-process.fixture.js';
import { heldAccount } from './held-account.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-remote-'));
let logic: ServedService | undefined;
afterEach(async () => {
  await killServers();
  await logic?.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A config file with the account domain at `address` and no example. */
function configFor(address: string, store: string): string {
  const path = join(dir, `${store}.yaml`);
  writeFileSync(
    path,
    [
      'listen: 127.0.0.1:0',
      'http: off',
      `store: sqlite:${join(dir, store)}`,
      'example: none',
      'domains:',
      `  account: { address: "${address}", deadlineMs: 5000, retries: 1 }`,
      '',
    ].join('\n'),
  );
  return path;
}

describe('evented serve with a remote domain', () => {
  it('calls the business logic service, and fails with UNAVAILABLE writing nothing once it is down', async () => {
    logic = await serveBusinessLogic({ account });
    const server = await serve([], { EVENTED_CONFIG: configFor(logic.address, 'remote.db') });
    expect(server.logs.at(-1)).toMatchObject({ example: 'none', domains: ['account'] });
    const at = ['--server', server.grpc];

    const opened = await cli([
      'dispatch',
      'account',
      'ann',
      'OpenAccount',
      '{"owner":"Ann"}',
      ...at,
    ]);
    expect(opened.stdout).toBe(
      '1 v1 AccountOpened {"owner":"Ann","overdraftLimit":0}\nversion 1\n',
    );
    const rejected = await cli(['dispatch', 'account', 'ann', 'Withdraw', '{"amount":1}', ...at]);
    expect(rejected.stderr).toMatch(/^error COMMAND_REJECTED: .*insufficient funds/);

    await logic.close();
    logic = undefined;
    const down = await cli(['dispatch', 'account', 'ann', 'Deposit', '{"amount":5}', ...at]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^error UNAVAILABLE: the business logic of account at 127\.0\.0\.1:\d+/,
    );
    expect((await cli(['events', ...at])).stdout).toBe(
      '1 account/ann v1 AccountOpened {"owner":"Ann","overdraftLimit":0}\n',
    );
    expect((await server.stop()).code).toBe(0);
  });

  it('waits for a command in flight on SIGTERM, and exits 1 at once on a second signal', async () => {
    const held = heldAccount();
    logic = await serveBusinessLogic({ account: held.logic });
    const server = await serve([], { EVENTED_CONFIG: configFor(logic.address, 'held.db') });
    const at = ['--server', server.grpc];
    await cli(['dispatch', 'account', 'bo', 'OpenAccount', '{"owner":"Bo"}', ...at]);
    const inFlight = cli(['dispatch', 'account', 'bo', 'Deposit', '{"amount":99}', ...at]);
    await held.arrival;

    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.child.exitCode).toBeNull();
    const stopped = await server.stop('SIGTERM');
    expect(stopped.code).toBe(1);
    expect(stopped.ms).toBeLessThan(2_000);
    held.release();
    expect((await inFlight).code).toBe(1);
  });
});
