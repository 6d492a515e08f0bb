import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JsonObject, Projector } from '@evented/core';
import { Evented, silentLogger } from '@evented/core';
import { account } from '@evented/example-bank';
import { EventedClient, startGrpcServer } from '@evented/grpc';
import { openSqliteStorage } from '@evented/sqlite';
import { cli, killServers, serve } from './cli-process.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-processors-'));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await killServers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const command = (aggregateId: string, type: string, data: JsonObject) => ({
  domain: 'account',
  aggregateId,
  type,
  data,
});

function client(address: string): EventedClient {
  const connected = new EventedClient(address);
  cleanups.push(() => connected.close());
  return connected;
}

/** `evented serve` with the bank example on a SQLite file, two accounts opened and funded. */
async function bankServer(file: string) {
  const server = await serve([
    '--listen',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    '--store',
    `sqlite:${join(dir, file)}`,
  ]);
  const bank = client(server.grpc);
  for (const id of ['ann', 'bob']) {
    await bank.dispatch(command(id, 'OpenAccount', { owner: id }));
    await bank.dispatch(command(id, 'Deposit', { amount: 100 }), { waitFor: ['balances'] });
  }
  return { server, at: ['--server', server.grpc] };
}

describe('evented processors', () => {
  it('lists them, shows one in detail, and exports their lag and position as metrics', async () => {
    const { server, at } = await bankServer('status.db');
    const list = await cli(['processors', 'list', ...at]);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(
      /^name\s+kind\s+state\s+checkpoint\s+head\s+lag\s+lag-s\s+events\/s\s+failure$/m,
    );
    expect(list.stdout).toMatch(/^balances\s+projector\s+live\s+4\s+4\s+0\s+0\.0\s+\d+\s*$/m);

    const status = await cli(['processors', 'status', 'balances', ...at]);
    expect(status.stdout).toMatch(/^state\s+live$/m);
    expect(status.stdout).toMatch(/^lag\s+0 events, 0\.0 s$/m);
    expect(status.stdout).toMatch(/^segment\s+owner\s+state\s+checkpoint/m);
    const json = JSON.parse(
      (await cli(['processors', 'status', 'balances', '--json', ...at])).stdout,
    );
    expect(json).toMatchObject({
      name: 'balances',
      checkpoint: '4',
      head: '4',
      lag: { events: 0 },
    });
    expect((await cli(['processors', 'status', 'nope', ...at])).stderr).toMatch(/^error NOT_FOUND/);

    const metrics = await (await fetch(`http://${server.http}/metrics`)).text();
    expect(metrics).toMatch(/^evented_processor_lag_events\{processor="balances",segment=""\} 0$/m);
    expect(metrics).toMatch(
      /^evented_processor_lag_seconds\{processor="balances",segment=""\} 0$/m,
    );
    expect(metrics).toMatch(/^evented_processor_position\{processor="balances",segment=""\} 4$/m);
    expect(metrics).toMatch(
      /^evented_processor_events_total\{processor="balances",segment=""\} \d+$/m,
    );
    expect(metrics).toMatch(
      /^evented_processor_state\{processor="balances",kind="projector",state="live"\} 1$/m,
    );
  }, 60_000);

  it('rebuilds a projector showing progress, and resets a saga to a position', async () => {
    const { at } = await bankServer('rebuild.db');
    const rebuild = await cli(['processors', 'rebuild', 'balances', ...at]);
    expect(rebuild).toMatchObject({ code: 0 });
    expect(rebuild.stdout).toMatch(/^rebuilding balances: replaying up to 4$/m);
    expect(rebuild.stdout).toMatch(/^rebuilt balances up to 4 in \d+s$/m);
    // Not a terminal: plain lines, no carriage returns.
    expect(rebuild.stderr).toMatch(/^balances: 4\/4 \(100\.0%\)/m);
    expect(rebuild.stderr).not.toContain('\r');
    const balances = JSON.parse(
      (await cli(['processors', 'status', 'balances', '--json', ...at])).stdout,
    );
    expect(balances).toMatchObject({ state: 'live', checkpoint: '4' });
    const noWait = await cli(['processors', 'rebuild', 'balances', '--no-wait', ...at]);
    expect(noWait).toMatchObject({ code: 0, stderr: '' });
    expect(noWait.stdout).toBe('rebuilding balances: replaying up to 4\n');

    const reset = await cli(['processors', 'reset', 'transfers', '--to-position', '2', ...at]);
    expect(reset).toMatchObject({ code: 0 });
    expect(reset.stdout).toMatch(/^reset transfers to position 2; replaying up to 4$/m);
    const bad = await cli(['processors', 'reset', 'transfers', '--to-time', 'yesterday', ...at]);
    expect(bad.stderr).toMatch(/^error INVALID_ARGUMENT: --to-time/);
    const both = await cli(['processors', 'reset', 'x', '--to-time', 'a', '--to-position', '1']);
    expect(both.code).toBe(2);
    expect((await cli(['processors', 'rebuild', 'transfers', ...at])).stderr).toMatch(
      /^error NOT_FOUND: no projector is named transfers \(it is a saga\)/,
    );
  }, 60_000);

  it('lists, retries and skips the events a processor parked', async () => {
    const poisoned = new Set(['bad', 'ugly']);
    const handled: string[] = [];
    const log: Projector = {
      name: 'log',
      processorOptions: { onPoison: 'park', maxAttempts: 1 },
      handle(event) {
        if (poisoned.has(event.aggregateId)) throw new Error(`cannot handle ${event.aggregateId}`);
        handled.push(`${event.aggregateId} ${event.type}`);
      },
    };
    const evented = await Evented.builder({
      storage: () => openSqliteStorage(),
      logger: silentLogger,
    })
      .withBusinessLogic('account', account)
      .withProjector(log)
      .build();
    cleanups.push(() => evented.close());
    const grpc = await startGrpcServer(evented, { address: '127.0.0.1:0' });
    cleanups.push(() => grpc.close(1000));
    const at = ['--server', grpc.address];
    await evented.dispatch(command('bad', 'OpenAccount', { owner: 'B' }));
    await evented.dispatch(command('bad', 'Deposit', { amount: 5 }));
    await evented.dispatch(command('ugly', 'OpenAccount', { owner: 'U' }), { waitFor: ['log'] });

    const list = await cli(['processors', 'dead-letters', 'list', 'log', ...at]);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^position\s+aggregate\s+type\s+reason\s+attempts\s+parked\s+error$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 5))).toEqual([
      ['1', 'account/bad', 'AccountOpened', 'failed', '1'],
      ['2', 'account/bad', 'Deposited', 'behind-parked', '0'],
      ['3', 'account/ugly', 'AccountOpened', 'failed', '1'],
    ]);
    expect(lines[1]).toMatch(/cannot handle bad$/);
    const ofBad = await cli([
      'processors',
      'dead-letters',
      'list',
      'log',
      '--aggregate',
      'account/bad',
      '--json',
      ...at,
    ]);
    const letters = ofBad.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(letters).toEqual([
      expect.objectContaining({ position: '1', aggregateId: 'bad', reason: 'failed' }),
      expect.objectContaining({ position: '2', type: 'Deposited', reason: 'behind-parked' }),
    ]);
    const malformed = await cli([
      'processors',
      'dead-letters',
      'list',
      'log',
      '--aggregate',
      'bad',
      ...at,
    ]);
    expect(malformed.stderr).toMatch(/^error INVALID_ARGUMENT: --aggregate/);

    poisoned.delete('bad');
    const retry = await cli([
      'processors',
      'dead-letters',
      'retry',
      'log',
      'account',
      'bad',
      ...at,
    ]);
    expect(retry).toMatchObject({
      code: 0,
      stdout: 'retried 2 parked events of account/bad in log\n',
    });
    expect(handled).toEqual(['bad AccountOpened', 'bad Deposited']);
    const skip = await cli(['processors', 'dead-letters', 'skip', 'log', 'account', 'ugly', ...at]);
    expect(skip).toMatchObject({
      code: 0,
      stdout: 'skipped 1 parked events of account/ugly in log\n',
    });
    expect((await cli(['processors', 'dead-letters', 'list', 'log', ...at])).stdout).toMatch(
      /^position\s+aggregate\s+type\s+reason\s+attempts\s+parked\s+error\n$/,
    );
    poisoned.add('bad');
    await evented.dispatch(command('bad', 'Deposit', { amount: 1 }), { waitFor: ['log'] });
    const failing = await cli([
      'processors',
      'dead-letters',
      'retry',
      'log',
      'account',
      'bad',
      ...at,
    ]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/^error \w+: cannot handle bad/);
  }, 60_000);
});
