import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { cli, killServers, serve, spawnCli } from './cli-process.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-serve-'));
afterEach(killServers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = (store: string) => [
  '--listen',
  '127.0.0.1:0',
  '--http',
  '127.0.0.1:0',
  '--store',
  `sqlite:${store}`,
];

describe('evented serve with the bank example', () => {
  it('takes commands from the CLI, serves health and metrics, stops on SIGTERM and resumes', async () => {
    const store = join(dir, 'e.db');
    const server = await serve(args(store));
    expect(server.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.grpc).not.toBe('127.0.0.1:0');
    const at = ['--server', server.grpc];

    const opened = await cli([
      'dispatch',
      'account',
      'ann',
      'OpenAccount',
      '{"owner":"Ann"}',
      ...at,
    ]);
    expect(opened).toMatchObject({ code: 0, stderr: '' });
    expect(opened.stdout).toBe(
      '1 v1 AccountOpened {"owner":"Ann","overdraftLimit":0}\nversion 1\n',
    );
    const deposit = ['dispatch', 'account', 'ann', 'Deposit', '{"amount":500}', ...at];
    expect((await cli([...deposit, '--wait-for', 'balances'])).stdout).toBe(
      '2 v2 Deposited {"amount":500}\nversion 2\n',
    );
    const overdraft = await cli([
      'dispatch',
      'account',
      'ann',
      'Withdraw',
      '{"amount":900}',
      ...at,
    ]);
    expect(overdraft.code).toBe(1);
    expect(overdraft.stdout).toBe('');
    expect(overdraft.stderr).toMatch(/^error COMMAND_REJECTED: .*insufficient funds/);

    const events = await cli(['events', ...at]);
    expect(events.stdout).toBe(
      '1 account/ann v1 AccountOpened {"owner":"Ann","overdraftLimit":0}\n' +
        '2 account/ann v2 Deposited {"amount":500}\n',
    );
    const json = await cli(['events', 'account', 'ann', '--json', ...at]);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as object);
    expect(lines).toEqual([
      expect.objectContaining({ position: '1', version: 1, type: 'AccountOpened' }),
      expect.objectContaining({ position: '2', version: 2, data: { amount: 500 } }),
    ]);

    const health = await fetch(`http://${server.http}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    const metrics = await (await fetch(`http://${server.http}/metrics`)).text();
    expect(metrics).toMatch(
      /evented_grpc_calls_total\{method="evented\.v1\.CommandGatewayService\/Dispatch",code="FAILED_PRECONDITION"\} 1/,
    );
    expect(metrics).toMatch(/evented_events_appended_total\{domain="account"\} 2/);
    expect(metrics).toMatch(
      /evented_processor_checkpoint\{processor="balances",kind="projector"\} 2/,
    );
    expect((await fetch(`http://${server.http}/nope`)).status).toBe(404);

    const stopped = await server.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(5_000);
    expect(server.logs.at(-1)).toMatchObject({ msg: 'evented stopped' });

    // Back on the same file: the events are there, and the balances projector resumes from
    // its checkpoint; replaying AccountOpened would break its primary key and stop it in error.
    const again = await serve(args(store));
    const resumed = await cli(['processors', 'list', '--server', again.grpc]);
    expect(resumed.stdout).toMatch(/^balances\s+projector\s+live\s+2\s+2\s+0\s+0\.0\s+0\s*$/m);
    expect(resumed.stdout).toMatch(/^transfers\s+saga\s+live\s+2\s+2\s+0\s+0\.0\s+0\s*$/m);
    expect((await cli(['events', '--after', '1', '--server', again.grpc])).stdout).toBe(
      '2 account/ann v2 Deposited {"amount":500}\n',
    );
    expect((await again.stop('SIGINT')).code).toBe(0);
  });

  it('exits 2 naming the field on a bad configuration', async () => {
    const remote = await cli(['serve', '--listen', '0.0.0.0:50051']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('listen (from --listen): 0.0.0.0:50051 can be reached');
    const store = await cli(['serve', '--store', 'mysql://db']);
    expect(store.code).toBe(2);
    expect(store.stderr).toContain(
      'store (from --store): expected memory, sqlite:<path>, postgres://... or redis://...',
    );
    const env = await cli(['serve'], { EVENTED_HTTP: 'everywhere' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('http (from EVENTED_HTTP): expected host:port or off');
  });

  it('follows the log live with events --follow until Ctrl-C', async () => {
    const server = await serve(['--listen', '127.0.0.1:0', '--http', 'off', '--store', 'memory']);
    const at = ['--server', server.grpc];
    await cli(['dispatch', 'account', 'cy', 'OpenAccount', '{"owner":"Cy"}', ...at]);
    const following = spawnCli(['events', '--follow', '--json', ...at]);
    await vi.waitFor(() => expect(following.lines).toHaveLength(1), { timeout: 5_000 });
    await cli(['dispatch', 'account', 'cy', 'Deposit', '{"amount":7}', ...at]);
    await vi.waitFor(() => expect(following.lines).toHaveLength(2), { timeout: 5_000 });
    expect(JSON.parse(following.lines[1]!)).toMatchObject({ position: '2', type: 'Deposited' });
    following.child.kill('SIGINT');
    expect(await following.exited).toBe(0);
  });
});
