import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EventedClient } from '@evented/grpc';
import { killServers, serve } from './cli-process.fixture.js';
import {
  auditRowOf,
  freePort,
  killAuditProjectors,
  readAudit,
  readLog,
  startAuditProjector,
} from './remote-projector.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-projector-crash-'));
const clients: EventedClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await killServers();
  await killAuditProjectors();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ACCOUNTS = 4;
const DEPOSITS_PER_ACCOUNT = 150;
/** The projector stalls, applied but unacknowledged, once it has applied this position. */
const STALL_AT = 100n;

describe('a remote projector killed and restarted mid-stream', () => {
  it('ends with every event of the log exactly once in its read model, none lost', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const auditFile = join(dir, 'audit.db');
    const config = join(dir, 'serve.yaml');
    writeFileSync(
      config,
      [
        'listen: 127.0.0.1:0',
        'http: off',
        `store: sqlite:${join(dir, 'events.db')}`,
        'projectors:',
        `  - { name: audit, address: "${address}" }`,
        '',
      ].join('\n'),
    );
    const first = await startAuditProjector(address, auditFile, STALL_AT);
    const server = await serve([], { EVENTED_CONFIG: config });
    expect(server.logs.at(-1)).toMatchObject({ example: 'bank' });
    const client = new EventedClient(server.grpc);
    clients.push(client);

    // One caller per account, each sending its deposits one after the other. The second
    // half waits for the projector's restart, so the stream goes on after it for sure.
    let restarted = (): void => {};
    const gate = new Promise<void>((resolve) => (restarted = resolve));
    let acknowledged = 0;
    const callers = Array.from({ length: ACCOUNTS }, async (_, a) => {
      const aggregateId = `acc-${a}`;
      await client.dispatch({
        domain: 'account',
        aggregateId,
        type: 'OpenAccount',
        data: { owner: `Owner ${a}` },
      });
      for (let n = 1; n <= DEPOSITS_PER_ACCOUNT; n++) {
        if (n === DEPOSITS_PER_ACCOUNT / 2 + 1) await gate;
        await client.dispatch({
          domain: 'account',
          aggregateId,
          type: 'Deposit',
          data: { amount: n },
        });
        acknowledged += 1;
      }
    });

    // The projector has applied the page holding STALL_AT and will never answer that call.
    const stalledAt = await first.stalled;
    await first.kill();
    const atKill = readAudit(auditFile);
    expect(atKill.lastPosition).toBe(stalledAt);
    expect(atKill.rows.length).toBeGreaterThan(0);
    expect(acknowledged).toBeLessThan(ACCOUNTS * DEPOSITS_PER_ACCOUNT);

    // Down for a moment while commands keep coming, then back on the same address.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await startAuditProjector(address, auditFile);
    restarted();
    await Promise.all(callers);

    const log = await readLog(client);
    expect(log).toHaveLength(ACCOUNTS * (1 + DEPOSITS_PER_ACCOUNT));
    const head = log.at(-1)!.position;
    expect(stalledAt).toBeLessThan(head);
    await vi.waitFor(
      async () => {
        const audit = (await client.processors()).find((p) => p.name === 'audit');
        expect(audit).toMatchObject({ state: 'live', checkpoint: head, failure: undefined });
      },
      { timeout: 20_000, interval: 100 },
    );

    const model = readAudit(auditFile);
    // Every event of the log, once each, in order, with its id, type and data: none lost,
    // none twice (the position is the table's key, so a second application would have
    // failed the call and the checkpoint would never have reached the head).
    expect(model.rows).toEqual(log.map(auditRowOf));
    expect(model.lastPosition).toBe(head);
    // The stalled call's events were applied but never acknowledged: the server had to
    // deliver them again after the restart, and the projector skipped them by position.
    expect(model.skipped).toBeGreaterThanOrEqual(1);
  });
});
