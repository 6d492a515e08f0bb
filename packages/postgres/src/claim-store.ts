import type { ClaimStore, Fence, Limits, SegmentClaim } from '@evented/core';
import {
  assertClaimArguments,
  assertFence,
  closedError,
  fencedError,
} from '@evented/core/internal';
import type { PostgresClient, PostgresPool } from './connection.js';
import { execute, quoteSchema, read, run, statement } from './connection.js';
import type { Statement } from './connection.js';
import { translatePostgresError } from './errors.js';

// Leases are timed by the database's clock alone. clock_timestamp(), not now(): a claim that
// waited for a lock (a fenced checkpoint transaction of the old owner) compares with the
// time it got it, not the time it was sent.
const NOW = 'clock_timestamp()';
const lease = (param: string): string => `${NOW} + ${param}::float8 * interval '1 millisecond'`;
const epochMs = (column: string): string => `round(date_part('epoch', ${column}) * 1000)::int8`;

/**
 * The claim store on PostgreSQL: segment claims and node heartbeats in the
 * `segment_claims` and `processor_nodes` tables, timed by the database's clock. A claim is
 * one `INSERT ... ON CONFLICT DO UPDATE ... WHERE`: PostgreSQL locks the row and evaluates
 * the condition on its latest version, so of two nodes racing for a segment one wins and
 * the other is refused. A fenced checkpoint write holds a share lock on the claim's row
 * until it commits: a takeover waits for it, and then reads the checkpoint it wrote.
 */
export class PostgresClaimStore implements ClaimStore {
  readonly #pool: PostgresPool;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;
  readonly #sql;

  constructor(pool: PostgresPool, schema: string, limits: Limits, isOpen: () => boolean) {
    this.#pool = pool;
    this.#limits = limits;
    this.#isOpen = isOpen;
    const s = quoteSchema(schema);
    this.#sql = {
      // Taken when new (token 1), renewed by its owner (token kept), or taken over when
      // released or expired (token + 1); left alone, and nothing returned, otherwise.
      claim: statement(
        `INSERT INTO ${s}.segment_claims AS c (processor, segment, owner, token, expires_at)
         VALUES ($1, $2, $3, 1, ${lease('$4')})
         ON CONFLICT (processor, segment) DO UPDATE SET
           token = CASE WHEN c.owner = excluded.owner THEN c.token ELSE c.token + 1 END,
           owner = excluded.owner,
           expires_at = excluded.expires_at
         WHERE c.owner IS NULL OR c.owner = excluded.owner OR c.expires_at <= ${NOW}
         RETURNING c.token::text`,
      ),
      release: statement(
        `UPDATE ${s}.segment_claims SET owner = NULL
         WHERE processor = $1 AND segment = $2 AND owner = $3 AND token = $4`,
      ),
      // One round trip: renew this node, forget nodes an hour gone (never this one: one
      // statement must not change a row twice) and list the live ones. The list reads the
      // table as the statement began, so this node's row is added from the upsert.
      heartbeat: statement(
        `WITH beat AS (
           INSERT INTO ${s}.processor_nodes (processor, node, expires_at)
           VALUES ($1, $2, ${lease('$3')})
           ON CONFLICT (processor, node) DO UPDATE SET expires_at = excluded.expires_at
           RETURNING node
         ), forgotten AS (
           DELETE FROM ${s}.processor_nodes
           WHERE processor = $1 AND node <> $2 AND expires_at < ${NOW} - interval '1 hour'
         )
         SELECT node FROM ${s}.processor_nodes
         WHERE processor = $1 AND node <> $2 AND expires_at > ${NOW}
         UNION ALL SELECT node FROM beat`,
      ),
      leave: statement(
        `WITH gone AS (
           DELETE FROM ${s}.processor_nodes WHERE processor = $1 AND node = $2
         )
         UPDATE ${s}.segment_claims SET owner = NULL WHERE processor = $1 AND owner = $2`,
      ),
      claims: statement(
        `SELECT segment, owner, token::text, ${epochMs('expires_at')} FROM ${s}.segment_claims
         WHERE processor = $1 AND owner IS NOT NULL ORDER BY segment`,
      ),
    };
  }

  async heartbeat(processor: string, node: string, leaseMs: number): Promise<string[]> {
    this.#assertOpen();
    assertClaimArguments({ processor, node, leaseMs }, this.#limits);
    try {
      const rows = await run(this.#pool, this.#sql.heartbeat, [processor, node, leaseMs]);
      return rows.map((row) => row[0]!).sort();
    } catch (error) {
      throw translatePostgresError(error, `recording the heartbeat of ${node} on ${processor}`);
    }
  }

  async claim(
    processor: string,
    segment: number,
    node: string,
    leaseMs: number,
  ): Promise<Fence | undefined> {
    this.#assertOpen();
    assertClaimArguments({ processor, node, segment, leaseMs }, this.#limits);
    let rows;
    try {
      rows = await run(this.#pool, this.#sql.claim, [processor, segment, node, leaseMs]);
    } catch (error) {
      throw translatePostgresError(error, `claiming segment ${segment} of ${processor}`);
    }
    const [row] = rows;
    return row ? { processor, segment, owner: node, token: Number(row[0]) } : undefined;
  }

  async release(fence: Fence): Promise<void> {
    this.#assertOpen();
    assertFence(fence, this.#limits);
    try {
      await execute(this.#pool, this.#sql.release, [
        fence.processor,
        fence.segment,
        fence.owner,
        fence.token,
      ]);
    } catch (error) {
      throw translatePostgresError(
        error,
        `releasing segment ${fence.segment} of ${fence.processor}`,
      );
    }
  }

  async leave(processor: string, node: string): Promise<void> {
    this.#assertOpen();
    assertClaimArguments({ processor, node }, this.#limits);
    try {
      await execute(this.#pool, this.#sql.leave, [processor, node]);
    } catch (error) {
      throw translatePostgresError(error, `removing ${node} from ${processor}`);
    }
  }

  async claims(processor: string): Promise<SegmentClaim[]> {
    this.#assertOpen();
    assertClaimArguments({ processor }, this.#limits);
    let rows;
    try {
      rows = await read(this.#pool, this.#sql.claims, [processor]);
    } catch (error) {
      throw translatePostgresError(error, `reading the claims of ${processor}`);
    }
    return rows.map((row) => ({
      processor,
      segment: Number(row[0]),
      owner: row[1]!,
      token: Number(row[2]),
      expiresAt: new Date(Number(row[3])),
    }));
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the PostgreSQL claim store');
  }
}

/**
 * The least a fenced transaction may sit idle before the database ends it, however little of
 * its lease is left (or none: a claim that expired unclaimed still entitles its owner).
 */
const MIN_FENCED_IDLE_MS = 1_000;

/**
 * The check that a fence is still its segment's claim, for the checkpoint store to run
 * first in its transaction. It takes a share lock on the claim's row, held until the
 * transaction ends: a takeover (an UPDATE of the row) waits for the checkpoint to commit,
 * and a check that waited for a takeover in progress reads the new owner and fails.
 *
 * The lock must not outlive the lease by much: a node stopped (SIGSTOP, a long pause) in
 * the middle of a page would otherwise hold the takeover off for as long as it is stopped.
 * So the transaction may sit idle at most the rest of the lease (at least a second): past
 * that PostgreSQL ends its session (`idle_in_transaction_session_timeout`), the page rolls
 * back and fails with `UNAVAILABLE`, and the takeover goes through.
 */
export function fenceCheck(
  schema: string,
): (client: PostgresClient, fence: Fence) => Promise<void> {
  const select: Statement = statement(
    `SELECT owner, token::text,
       set_config('idle_in_transaction_session_timeout',
         greatest(ceil(date_part('epoch', expires_at - ${NOW}) * 1000), ${MIN_FENCED_IDLE_MS})::int8::text,
         true)
     FROM ${quoteSchema(schema)}.segment_claims
     WHERE processor = $1 AND segment = $2 FOR SHARE`,
  );
  return async (client, fence) => {
    const [row] = await run(client, select, [fence.processor, fence.segment]);
    const current = row ? { owner: row[0] ?? null, token: Number(row[1]) } : undefined;
    if (current?.owner !== fence.owner || current.token !== fence.token) {
      throw fencedError(fence, current);
    }
  };
}

/** The checkpoint store checks the fences it is given like release() does. */
export { assertFence };
