import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import type { Evented } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import {
  adminPool,
  dropSchema,
  postgres,
  uniqueSchema,
  useDatabaseLock,
} from './test-support/postgres-service.js';
import type { NodeOptions } from './test-support/shared-nodes.js';
import {
  createReadModel,
  openDispatcher,
  projectInOnePass,
  readLog,
  readModel,
  SharedNode,
  startLoad,
  waitForHead,
  waitUntil,
  writtenAfterTheirClaimEnded,
} from './test-support/shared-nodes.js';

const nodes: SharedNode[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.dispose()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh schema with the read model's tables, and the application the load goes through. */
async function setUp(label: string): Promise<{ schema: string; app: Evented }> {
  const schema = uniqueSchema(label);
  cleanups.push(() => dropSchema(schema));
  const app = await openDispatcher(schema);
  cleanups.push(() => app.close());
  await createReadModel(schema);
  return { schema, app };
}

function startNodes(schema: string, names: readonly string[], options: NodeOptions) {
  const started = names.map((name) => new SharedNode(name, schema, options));
  nodes.push(...started);
  return started;
}

const describeOwned = (list: readonly SharedNode[]) =>
  list.map((node) => `${node.name}: [${node.owned.join(',')}]`).join('; ');

/** Whether the nodes work disjoint segments that cover all of them, in the given shares. */
function splitAs(list: readonly SharedNode[], count: number, shares: readonly number[]): boolean {
  const owned = list.flatMap((node) => node.owned);
  return (
    new Set(owned).size === count &&
    owned.length === count &&
    list
      .map((node) => node.owned.length)
      .sort()
      .join() === [...shares].sort().join()
  );
}

/**
 * The read model equals a projection of the whole log in one pass, every position was
 * applied exactly once, and every row was written under the claim that was newest then.
 */
async function expectExactlyOnce(schema: string, app: Evented, list: readonly SharedNode[]) {
  const log = await readLog(app);
  const { totals, applied } = await readModel(schema);
  expect(totals).toEqual(projectInOnePass(log));
  expect(applied.map((row) => row.position)).toEqual(log.map((e) => String(e.position)));
  expect(applied.filter((row) => row.times !== 1)).toEqual([]);
  const claims = list.flatMap((node) => node.claims());
  expect(writtenAfterTheirClaimEnded(applied, claims)).toEqual([]);
  for (const node of list) expect(node.lines.filter((l) => l.level === 'error')).toEqual([]);
  return { log, applied };
}

describeWithService(
  'PostgreSQL: nodes sharing a processor through segment claims',
  postgres,
  () => {
    useDatabaseLock('shared');

    it('takes over the segments of a node killed with SIGKILL within its lease, and ends exactly once', async () => {
      const segments = 8;
      const leaseMs = 2_000;
      const tick = Math.floor(leaseMs / 3);
      const { schema, app } = await setUp('killed');
      const three = startNodes(schema, ['node-a', 'node-b', 'node-c'], {
        segments,
        leaseMs,
        delayMs: 2,
        batchSize: 50,
      });
      const load = startLoad(app, 40, 5);

      await waitUntil(
        () => splitAs(three, segments, [3, 3, 2]),
        20_000,
        () => `no 3/3/2 split: ${describeOwned(three)}`,
        three,
      );
      await sleep(500);
      const victim = three.find((node) => node.owned.length === 3)!;
      const survivors = three.filter((node) => node !== victim);
      const orphaned = [...victim.owned];
      const killedAt = Date.now();
      victim.signal('SIGKILL');

      const takeovers = new Map<number, number>();
      await waitUntil(
        () => {
          for (const claim of survivors.flatMap((node) => node.claims())) {
            if (claim.time >= killedAt && orphaned.includes(claim.segment))
              takeovers.set(claim.segment, claim.time - killedAt);
          }
          return takeovers.size === orphaned.length;
        },
        leaseMs + 10_000,
        () => `segments [${orphaned.join(',')}] not all taken over: ${describeOwned(survivors)}`,
        survivors,
      );
      // Its claims were renewed at most a tick before the kill; the survivors' next round after
      // they end takes them. A correctness bound, not a speed figure.
      expect(Math.max(...takeovers.values())).toBeLessThanOrEqual(leaseMs + 2 * tick);
      await waitUntil(
        () => splitAs(survivors, segments, [4, 4]),
        10_000,
        () => `no 4/4 split: ${describeOwned(survivors)}`,
        survivors,
      );

      await sleep(1_000);
      expect(await load.stop()).toBeGreaterThan(50);
      await waitForHead(app, segments, 15_000, survivors);
      const { applied } = await expectExactlyOnce(schema, app, three);
      // The victim did its share before it died, and the survivors finished its segments.
      const byVictim = applied.filter((row) => row.node === victim.name);
      expect(byVictim.length).toBeGreaterThan(0);
      const lastByVictim = byVictim.at(-1)!.position;
      expect(
        applied.some(
          (row) =>
            orphaned.includes(row.segment) &&
            row.node !== victim.name &&
            BigInt(row.position) > BigInt(lastByVictim),
        ),
      ).toBe(true);
    }, 60_000);

    it('lets one node only work a single segment, the other never delivering beside it', async () => {
      const { schema, app } = await setUp('single');
      const two = startNodes(schema, ['one-a', 'one-b'], { segments: 1, leaseMs: 1_000 });
      const load = startLoad(app, 10, 5);
      await waitUntil(
        () => splitAs(two, 1, [1, 0]),
        10_000,
        () => `nobody works the segment: ${describeOwned(two)}`,
        two,
      );
      await sleep(1_500);
      await load.stop();
      await waitForHead(app, 1, 10_000, two);

      const { applied } = await expectExactlyOnce(schema, app, two);
      // Handed over at most once (the first node to start may give way to the first by name),
      // and the deliveries of the two never interleave: one run per claim.
      const claims = two.flatMap((node) => node.claims());
      expect(claims.length).toBeLessThanOrEqual(2);
      const runs = applied.filter((row, i) => i === 0 || applied[i - 1]!.node !== row.node);
      expect(runs.length).toBeLessThanOrEqual(claims.length);
      const { rows } = await adminPool().query<{ owner: string }>(
        `SELECT owner FROM "${schema}".segment_claims WHERE processor = 'totals' AND owner IS NOT NULL`,
      );
      expect(rows.map((row) => row.owner)).toEqual(
        two.filter((n) => n.owned.length).map((n) => n.name),
      );
    }, 30_000);
  },
);

describeWithService('PostgreSQL: a node stopped past its lease (SIGSTOP)', postgres, () => {
  // The stopped node holds a transaction open, which delays every reader of the cluster.
  useDatabaseLock('exclusive');

  it('has its segments taken over, and commits nothing of its page in hand once resumed', async () => {
    const segments = 4;
    const leaseMs = 1_500;
    const tick = Math.floor(leaseMs / 3);
    const { schema, app } = await setUp('fenced');
    // 25 ms per event inside the page's transaction: A is inside one most of the time.
    const [a, b] = startNodes(schema, ['node-a', 'node-b'], {
      segments,
      leaseMs,
      delayMs: 25,
      batchSize: 10,
    });
    const pair = [a!, b!];
    const load = startLoad(app, 40, 15);
    await waitUntil(
      () => splitAs(pair, segments, [2, 2]),
      15_000,
      () => `no 2/2 split: ${describeOwned(pair)}`,
      pair,
    );
    await sleep(1_000);

    // Stop A inside a page's transaction: its backend then sits idle in that transaction.
    const midPage = async (): Promise<boolean> => {
      const { rows } = await adminPool().query<{ count: string }>(
        `SELECT count(*) FROM pg_stat_activity
         WHERE application_name = 'evented-node-node-a' AND state = 'idle in transaction'`,
      );
      return rows[0]!.count !== '0';
    };
    let stoppedAt = 0;
    let caughtMidPage = false;
    for (let attempt = 0; attempt < 40 && !caughtMidPage; attempt++) {
      if (attempt > 0) {
        a!.signal('SIGCONT');
        await sleep(5 + Math.random() * 30);
      }
      stoppedAt = Date.now();
      a!.signal('SIGSTOP');
      await sleep(30); // a statement A had sent finishes
      caughtMidPage = await midPage();
    }
    expect(caughtMidPage, 'A was stopped inside a transaction').toBe(true);
    const orphaned = [...a!.owned];
    // What A had committed: its page in hand starts after these.
    const committed = new Map<number, bigint>();
    for (const segment of orphaned) {
      const stored = await app.storage.checkpointStore.loadCheckpoint(
        `totals@${segment}/${segments}`,
      );
      committed.set(segment, stored ?? 0n);
    }

    const takeovers = new Map<number, number>();
    await waitUntil(
      () => {
        for (const claim of b!.claims()) {
          if (claim.time >= stoppedAt && orphaned.includes(claim.segment))
            takeovers.set(claim.segment, claim.time - stoppedAt);
        }
        return takeovers.size === orphaned.length;
      },
      leaseMs + 10_000,
      () => `B did not take over [${orphaned.join(',')}]: ${describeOwned([b!])}`,
      [b!],
    );
    // A renewed at most a tick before it was stopped; B's next round after the lease takes over.
    expect(Math.max(...takeovers.values())).toBeLessThanOrEqual(leaseMs + 2 * tick);

    // Keep A stopped a while longer under load, then wake it: its page in hand is stale.
    await sleep(1_000);
    const resumedAt = Date.now();
    a!.signal('SIGCONT');
    await waitUntil(
      () =>
        orphaned.every((segment) =>
          a!.lines.some(
            (line) =>
              line.time >= resumedAt &&
              line.segment === segment &&
              line.log === 'segment taken over by another node; this node stops working it',
          ),
        ),
      10_000,
      () => `A still works [${orphaned.join(',')}]: ${JSON.stringify(a!.lines.slice(-10))}`,
      pair,
    );
    await sleep(1_500);
    await load.stop();
    await waitForHead(app, segments, 20_000, pair);

    const { log, applied } = await expectExactlyOnce(schema, app, pair);
    // Events of A's segments after its committed checkpoint, already in the log when A was
    // stopped: its page in hand was among them. B took them over; none of A's writes under
    // its old claims committed (A may have handled some later under a new claim).
    const oldClaimsOfA = new Set(
      a!
        .claims()
        .filter((c) => c.time < stoppedAt)
        .map((c) => `${c.segment}:${c.token}`),
    );
    const byPosition = new Map(applied.map((row) => [row.position, row]));
    const inHand = log
      .map((event) => byPosition.get(String(event.position))!)
      .filter(
        (row, i) =>
          orphaned.includes(row.segment) &&
          BigInt(row.position) > committed.get(row.segment)! &&
          log[i]!.recordedAt.getTime() < stoppedAt,
      );
    expect(inHand.length).toBeGreaterThan(0);
    expect(inHand.some((row) => row.node === 'node-b')).toBe(true);
    const staleCommits = applied.filter(
      (row) =>
        row.node === 'node-a' &&
        orphaned.includes(row.segment) &&
        oldClaimsOfA.has(`${row.segment}:${row.token}`) &&
        BigInt(row.position) > committed.get(row.segment)!,
    );
    expect(staleCommits).toEqual([]);
  }, 60_000);
});
