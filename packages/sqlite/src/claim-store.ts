import type { Database } from 'better-sqlite3';
import type { ClaimStore, Fence, Limits, SegmentClaim } from '@evented/core';
import {
  assertClaimArguments,
  assertFence,
  closedError,
  fencedError,
} from '@evented/core/internal';
import { translateSqliteError } from './errors.js';

/** Heartbeats expired longer ago than this are deleted by the next heartbeat. */
const NODE_RETENTION_MS = 3_600_000;

/**
 * The claim store on a better-sqlite3 connection: segment claims and node heartbeats in the
 * `segment_claims` and `processor_nodes` tables. Leases are timed by this machine's clock,
 * which every process sharing the file shares. Every change is one `BEGIN IMMEDIATE`
 * transaction, so that processes on one file see claims change one at a time.
 */
export class SqliteClaimStore implements ClaimStore {
  readonly #db: Database;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;
  readonly #sql;

  constructor(db: Database, limits: Limits, isOpen: () => boolean) {
    this.#db = db;
    this.#limits = limits;
    this.#isOpen = isOpen;
    this.#sql = {
      // Taken when new (token 1), renewed by its owner (token kept), or taken over when
      // released or expired (token + 1); left alone, and nothing returned, otherwise.
      claim: db
        .prepare(
          `INSERT INTO segment_claims (processor, segment, owner, token, expires_at)
           VALUES (:processor, :segment, :node, 1, :now + :leaseMs)
           ON CONFLICT (processor, segment) DO UPDATE SET
             token = CASE WHEN segment_claims.owner IS excluded.owner
                     THEN segment_claims.token ELSE segment_claims.token + 1 END,
             owner = excluded.owner,
             expires_at = excluded.expires_at
           WHERE segment_claims.owner IS NULL
              OR segment_claims.owner = excluded.owner
              OR segment_claims.expires_at <= :now
           RETURNING token`,
        )
        .pluck(),
      release: db.prepare(
        `UPDATE segment_claims SET owner = NULL
         WHERE processor = ? AND segment = ? AND owner = ? AND token = ?`,
      ),
      beat: db.prepare(
        `INSERT INTO processor_nodes (processor, node, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (processor, node) DO UPDATE SET expires_at = excluded.expires_at`,
      ),
      forget: db.prepare('DELETE FROM processor_nodes WHERE processor = ? AND expires_at < ?'),
      live: db
        .prepare('SELECT node FROM processor_nodes WHERE processor = ? AND expires_at > ?')
        .pluck(),
      leave: db.prepare('DELETE FROM processor_nodes WHERE processor = ? AND node = ?'),
      releaseAll: db.prepare(
        'UPDATE segment_claims SET owner = NULL WHERE processor = ? AND owner = ?',
      ),
      claims: db.prepare(
        `SELECT segment, owner, token, expires_at AS expiresAt FROM segment_claims
         WHERE processor = ? AND owner IS NOT NULL ORDER BY segment`,
      ),
    };
  }

  async heartbeat(processor: string, node: string, leaseMs: number): Promise<string[]> {
    this.#assertOpen();
    assertClaimArguments({ processor, node, leaseMs }, this.#limits);
    try {
      return this.#db
        .transaction(() => {
          const now = Date.now();
          this.#sql.beat.run(processor, node, now + leaseMs);
          this.#sql.forget.run(processor, now - NODE_RETENTION_MS);
          return this.#sql.live.all(processor, now) as string[];
        })
        .immediate()
        .sort();
    } catch (error) {
      throw translateSqliteError(error, `recording the heartbeat of ${node} on ${processor}`);
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
    try {
      const token = this.#db
        .transaction(
          () =>
            this.#sql.claim.get({ processor, segment, node, leaseMs, now: Date.now() }) as
              number | undefined,
        )
        .immediate();
      return token === undefined ? undefined : { processor, segment, owner: node, token };
    } catch (error) {
      throw translateSqliteError(error, `claiming segment ${segment} of ${processor}`);
    }
  }

  async release(fence: Fence): Promise<void> {
    this.#assertOpen();
    assertFence(fence, this.#limits);
    try {
      this.#sql.release.run(fence.processor, fence.segment, fence.owner, fence.token);
    } catch (error) {
      throw translateSqliteError(error, `releasing segment ${fence.segment} of ${fence.processor}`);
    }
  }

  async leave(processor: string, node: string): Promise<void> {
    this.#assertOpen();
    assertClaimArguments({ processor, node }, this.#limits);
    try {
      this.#db
        .transaction(() => {
          this.#sql.leave.run(processor, node);
          this.#sql.releaseAll.run(processor, node);
        })
        .immediate();
    } catch (error) {
      throw translateSqliteError(error, `removing ${node} from ${processor}`);
    }
  }

  async claims(processor: string): Promise<SegmentClaim[]> {
    this.#assertOpen();
    assertClaimArguments({ processor }, this.#limits);
    let rows;
    try {
      rows = this.#sql.claims.all(processor) as {
        segment: number;
        owner: string;
        token: number;
        expiresAt: number;
      }[];
    } catch (error) {
      throw translateSqliteError(error, `reading the claims of ${processor}`);
    }
    return rows.map((row) => ({
      processor,
      segment: row.segment,
      owner: row.owner,
      token: row.token,
      expiresAt: new Date(row.expiresAt),
    }));
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the SQLite claim store');
  }
}

/**
 * Prepares the check that a fence is still its segment's claim, for the checkpoint store
 * to run inside its write transaction: it throws `FENCED` when the segment was released or
 * taken over since the fence was given.
 */
export function prepareFenceCheck(db: Database): (fence: Fence) => void {
  const select = db.prepare(
    'SELECT owner, token FROM segment_claims WHERE processor = ? AND segment = ?',
  );
  return (fence) => {
    const current = select.get(fence.processor, fence.segment) as
      { owner: string | null; token: number } | undefined;
    if (current?.owner !== fence.owner || current.token !== fence.token) {
      throw fencedError(fence, current);
    }
  };
}

/** The checkpoint store checks the fences it is given like release() does. */
export { assertFence };
