import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import type { Fence, Position } from '@evented/core';
import { isEventedError } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import type { PostgresClient, PostgresStorage } from '@evented/postgres';
import { openPostgresStorage } from '@evented/postgres';
import {
  adminPool,
  openTestStorage,
  POSTGRES_URL,
  postgres,
  useDatabaseLock,
} from './test-support/postgres-service.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A storage on a fresh schema, with a read model table beside evented's. */
async function primary(): Promise<PostgresStorage> {
  const storage = await openTestStorage();
  cleanups.push(() => storage.close());
  await adminPool().query(
    `CREATE TABLE "${storage.schema}".balances (account text PRIMARY KEY, position text NOT NULL)`,
  );
  return storage;
}

/** Another process's storage on the same schema: its own pool, its own connections. */
async function sibling(of: PostgresStorage, maxConnections = 2): Promise<PostgresStorage> {
  const storage = await openPostgresStorage(POSTGRES_URL, { schema: of.schema, maxConnections });
  cleanups.push(() => storage.close());
  return storage;
}

async function appended(storage: PostgresStorage, count: number): Promise<Position[]> {
  const { events } = await storage.eventStore.appendToStream(
    { domain: 'account', aggregateId: 'a-1' },
    Array.from({ length: count }, (_, n) => ({ type: 'Deposited', data: { n } })),
    { expectedVersion: 'any' },
  );
  return events.map((event) => event.position);
}

/** The read-model rows, account → position. */
async function balances(storage: PostgresStorage): Promise<Record<string, string>> {
  const { rows } = await adminPool().query<{ account: string; position: string }>(
    `SELECT account, position FROM "${storage.schema}".balances ORDER BY account`,
  );
  return Object.fromEntries(rows.map((row) => [row.account, row.position]));
}

/**
 * Projection work that writes the read model in the checkpoint's transaction, then awaits
 * `before` (if given) while the transaction stays open.
 */
function writeBalance(
  storage: PostgresStorage,
  account: string,
  position: Position,
  before?: Promise<unknown>,
) {
  return async (transaction: unknown): Promise<void> => {
    await (transaction as PostgresClient).query(
      `INSERT INTO "${storage.schema}".balances (account, position) VALUES ($1, $2)
       ON CONFLICT (account) DO UPDATE SET position = excluded.position`,
      [account, String(position)],
    );
    await before;
  };
}

/** How many backends wait for a lock on a row of segment_claims right now. */
async function waitingForClaims(): Promise<number> {
  const { rows } = await adminPool().query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE wait_event_type = 'Lock' AND query LIKE '%segment_claims%'`,
  );
  return rows[0]!.n;
}

function settled<T>(promise: Promise<T>): () => boolean {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

describeWithService('PostgreSQL claims shared by several processes', postgres, () => {
  // These tests hold transactions open on purpose.
  useDatabaseLock('exclusive');

  it('gives each segment to exactly one of many nodes racing on separate connections, again after expiry', async () => {
    const a = await primary();
    const nodes = [a, ...(await Promise.all(Array.from({ length: 5 }, () => sibling(a))))];
    const SEGMENTS = 8;
    const race = (round: string, leaseMs: number) =>
      Promise.all(
        Array.from({ length: SEGMENTS }, (_, segment) =>
          Promise.all(
            nodes.flatMap((storage, i) =>
              [0, 1, 2, 3].map((k) =>
                storage.claimStore.claim('balances', segment, `${round}-${i}-${k}`, leaseMs),
              ),
            ),
          ),
        ),
      );
    for (const [round, token] of [
      ['first', 1],
      ['second', 2],
    ] as const) {
      const outcomes = await race(round, 60_000);
      for (const [segment, fences] of outcomes.entries()) {
        const won = fences.filter((fence): fence is Fence => fence !== undefined);
        expect(won, `segment ${segment}, ${round} round`).toHaveLength(1);
        expect(won[0]!.token).toBe(token);
      }
      const claims = await a.claimStore.claims('balances');
      expect(claims.map((claim) => [claim.segment, claim.token])).toEqual(
        Array.from({ length: SEGMENTS }, (_, segment) => [segment, token]),
      );
      // Every lease runs out at once, by the database's clock. (Waiting out a short one would
      // let a claimer slowed down by a loaded machine take over inside the race.)
      await adminPool().query(
        `UPDATE "${a.schema}".segment_claims SET expires_at = clock_timestamp()`,
      );
    }
  });

  it('makes a takeover wait for a fenced projection in progress; the new owner then reads its checkpoint', async () => {
    const a = await primary();
    const b = await sibling(a);
    const [first, second] = await appended(a, 2);
    const old = await a.claimStore.claim('balances', 0, 'node-a', 200);
    await a.checkpointStore.saveCheckpointWith(
      'balances@0/2',
      first!,
      writeBalance(a, 'a-1', first!),
      old,
    );
    await sleep(300); // node-a's lease runs out, it has not noticed yet

    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // Runs before the storages close, should an assertion fail with the gate shut.
    cleanups.push(async () => open());
    const projecting = a.checkpointStore.saveCheckpointWith(
      'balances@0/2',
      second!,
      writeBalance(a, 'a-1', second!, gate),
      old,
    );
    await sleep(100); // the projection holds its lock on the claim and awaits the gate
    const takeover = b.claimStore.claim('balances', 0, 'node-b', 60_000);
    const tookOver = settled(takeover);
    await sleep(300);
    expect(tookOver(), 'the takeover must wait for the projection in progress').toBe(false);
    expect(await waitingForClaims()).toBe(1);

    open();
    await projecting;
    expect(await takeover).toMatchObject({ owner: 'node-b', token: 2 });
    expect(await b.checkpointStore.loadCheckpoint('balances@0/2')).toBe(second);
    expect(await balances(a)).toEqual({ 'a-1': String(second) });

    // Now node-a is refused, before its work runs, and nothing of it commits.
    let ran = false;
    await expect(
      a.checkpointStore.saveCheckpointWith(
        'balances@0/2',
        second!,
        () => {
          ran = true;
        },
        old,
      ),
    ).rejects.toMatchObject({ code: 'FENCED' });
    expect(ran).toBe(false);
  });

  it('refuses a projection that waited for a takeover in progress with FENCED, and commits none of its work', async () => {
    const a = await primary();
    const [first] = await appended(a, 1);
    const old = await a.claimStore.claim('balances', 0, 'node-a', 60_000);
    // node-a has seen its event visible, so that only the claim's lock can hold it up below.
    expect(await a.eventStore.headPosition()).toBe(first);
    // Another node's takeover is in progress: its UPDATE holds the claim's row.
    const admin = await adminPool().connect();
    cleanups.push(async () => admin.release());
    await admin.query('BEGIN');
    await admin.query(
      `UPDATE "${a.schema}".segment_claims SET owner = 'node-b', token = token + 1
       WHERE processor = 'balances' AND segment = 0`,
    );
    let ran = false;
    const projecting = a.checkpointStore.saveCheckpointWith(
      'balances@0/2',
      first!,
      async (transaction) => {
        ran = true;
        await writeBalance(a, 'a-1', first!)(transaction);
      },
      old,
    );
    const done = settled(projecting);
    await sleep(200);
    expect(done(), 'the fence check must wait for the takeover in progress').toBe(false);
    await admin.query('COMMIT');
    const error = await projecting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEventedError(error, 'FENCED'), String(error)).toBe(true);
    expect(ran).toBe(false);
    expect(await a.checkpointStore.loadCheckpoint('balances@0/2')).toBeUndefined();
    expect(await balances(a)).toEqual({});
  });

  it('ends a fenced projection stalled past its lease, so that the takeover goes through and none of it commits', async () => {
    const a = await primary();
    const b = await sibling(a);
    const [first] = await appended(a, 1);
    expect(await a.eventStore.headPosition()).toBe(first);
    const old = await a.claimStore.claim('balances', 0, 'node-a', 1_000);
    // node-a stops in the middle of its page, its transaction open (SIGSTOP, a long pause).
    let resume!: () => void;
    const stopped = new Promise<void>((resolve) => (resume = resolve));
    cleanups.push(async () => resume());
    const projecting = a.checkpointStore
      .saveCheckpointWith('balances@0/2', first!, writeBalance(a, 'a-1', first!, stopped), old)
      .then(
        () => 'committed',
        (error: unknown) => error,
      );
    await sleep(500);
    const started = Date.now();
    const current = await b.claimStore.claim('balances', 0, 'node-b', 60_000);
    // Refused while node-a's lease lasts, then taken once the database ended its transaction.
    const deadline = started + 3_000;
    let taken = current;
    while (!taken && Date.now() < deadline) {
      await sleep(100);
      taken = await b.claimStore.claim('balances', 0, 'node-b', 60_000);
    }
    expect(taken).toMatchObject({ owner: 'node-b', token: 2 });
    expect(Date.now() - started).toBeLessThan(2_000);
    resume();
    const outcome = await projecting;
    expect(isEventedError(outcome, 'UNAVAILABLE'), String(outcome)).toBe(true);
    expect(await balances(a)).toEqual({});
    expect(await b.checkpointStore.loadCheckpoint('balances@0/2')).toBeUndefined();
  });

  it('never lets an old owner commit after a racing takeover: either it commits first and the new owner reads it, or it is FENCED', async () => {
    const a = await primary();
    const b = await sibling(a);
    const positions = await appended(a, 40);
    const outcomes = { committed: 0, fenced: 0 };
    for (let round = 0; round < 20; round++) {
      const processor = `race-${round}`;
      const checkpoint = `${processor}@0/1`;
      const old = await a.claimStore.claim(processor, 0, 'node-a', 100);
      await sleep(120); // node-a's lease has run out; node-b may take over at any moment
      const position = positions[round]!;
      const account = `acct-${round}`;
      const projecting = a.checkpointStore
        .saveCheckpointWith(
          checkpoint,
          position,
          writeBalance(a, account, position, sleep(Math.random() * 30)),
          old,
        )
        .then(
          () => 'committed' as const,
          (error: unknown) => {
            if (isEventedError(error, 'FENCED')) return 'fenced' as const;
            throw error;
          },
        );
      await sleep(Math.random() * 30);
      const current = await b.claimStore.claim(processor, 0, 'node-b', 60_000);
      expect(current).toMatchObject({ token: 2 });
      // What the new owner resumes from, read as soon as it holds the claim.
      const resumesFrom = await b.checkpointStore.loadCheckpoint(checkpoint);
      const outcome = await projecting;
      outcomes[outcome] += 1;
      const written = (await balances(a))[account];
      if (outcome === 'committed') {
        expect(resumesFrom, `round ${round}: committed after the takeover`).toBe(position);
        expect(written).toBe(String(position));
      } else {
        expect(resumesFrom).toBeUndefined();
        expect(written).toBeUndefined();
        expect(await b.checkpointStore.loadCheckpoint(checkpoint)).toBeUndefined();
      }
    }
    expect(outcomes.committed + outcomes.fenced).toBe(20);
  });
});
