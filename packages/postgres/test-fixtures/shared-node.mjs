// A child of shared-processors.int.test.ts: one node of an embedded evented application on
// the test's PostgreSQL schema, sharing the transactional projector `totals` with the other
// nodes through segment claims. argv: <url> <schema> <node> <segments> <leaseMs> <delayMs>
// <batchSize>. The test creates the read model's tables first:
//   totals  (aggregate_id PK, total, events): the sum of `Added` amounts per aggregate;
//   applied (position PK, node, segment, token, times, applied_at): one row per event
//           handled, with the node and the claim token it was handled under; a second
//           application of a position counts up `times` instead of adding a row.
// The handler sleeps `delayMs` per event first, so that a page's transaction stays open
// long enough to be caught by SIGSTOP. The node writes JSON lines to stdout: `{ready}` once
// built, `{owned, time}` whenever the segments it works change, and every log record of
// evented (`{log, level, time, segment, token, code}`), among them `segment claimed` and
// `processor lost its segment to another node`.
import { setTimeout as sleep } from 'node:timers/promises';
import { Evented, EventedConfig } from '@evented/core';
import { postgresProjector } from '@evented/postgres';

const [url, schema, node, segmentsArg, leaseArg, delayArg, batchArg] = process.argv.slice(2);
const segments = Number(segmentsArg);
const delayMs = Number(delayArg);

/** The claim token of each segment this node claimed last, from its `segment claimed` logs. */
const tokens = new Map();

const write = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

const log = (level) => (facts, message) => {
  if (message === 'segment claimed') tokens.set(facts.segment, facts.token);
  const err = facts.err;
  write({
    log: message,
    level,
    time: Date.now(),
    segment: facts.segment,
    token: facts.token,
    code: err?.code,
    error: level === 'error' ? String(err?.message ?? err) : undefined,
  });
};
const logger = { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };

/**
 * The segment of an aggregate, as core's `segmentOf` computes it (FNV-1a of
 * `domain \0 aggregateId`), to record which claim a row was written under. Were the two to
 * disagree, rows would name tokens of segments their node never claimed, and the test fails.
 */
function segmentOf(domain, aggregateId, count) {
  if (count === 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${domain}\u0000${aggregateId}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

const s = `"${schema}"`;
const totals = postgresProjector({
  name: 'totals',
  processorOptions: { segments, leaseMs: Number(leaseArg), batchSize: Number(batchArg) },
  async handle(event, client) {
    if (delayMs > 0) await sleep(delayMs);
    const segment = segmentOf(event.domain, event.aggregateId, segments);
    await client.query(
      `INSERT INTO ${s}.totals (aggregate_id, total, events) VALUES ($1, $2, 1)
       ON CONFLICT (aggregate_id) DO UPDATE
       SET total = totals.total + excluded.total, events = totals.events + 1`,
      [event.aggregateId, event.data.amount],
    );
    await client.query(
      `INSERT INTO ${s}.applied (position, node, segment, token) VALUES ($1, $2, $3, $4)
       ON CONFLICT (position) DO UPDATE SET times = applied.times + 1`,
      [String(event.position), node, segment, tokens.get(segment) ?? null],
    );
  },
});

// The node's own application name, so that the test can see its transactions in pg_stat_activity.
const nodeUrl = new URL(url);
nodeUrl.searchParams.set('application_name', `evented-node-${node}`);

const evented = await Evented.builder({
  ...EventedConfig.postgres(nodeUrl.toString(), { schema }),
  nodeId: node,
  logger,
})
  .withProjector(totals)
  .build();
write({ ready: true, time: Date.now() });

let reported = '';
setInterval(() => {
  const status = evented.processors().find((p) => p.name === 'totals');
  const owned = (status?.segments ?? []).map((segment) => segment.segment);
  const key = owned.join(',');
  if (key === reported) return;
  reported = key;
  write({ owned, time: Date.now() });
}, 20);
