import type { Limits, NewSnapshot, Snapshot, SnapshotStore, StreamId } from '@evented/core';
import {
  assertPositiveInteger,
  assertStreamId,
  closedError,
  parseJson,
  prepareSnapshot,
} from '@evented/core/internal';
import type { RedisConnection } from './connection.js';
import { translateRedisError } from './errors.js';
import type { RedisKeys } from './schema.js';
import { saveSnapshotScript } from './scripts.js';

/**
 * The snapshot store on a Redis client. Obtain it from `openRedisStorage`. Each stream
 * keeps only its latest snapshot, in one hash: an older one saved later is ignored, since
 * `latestSnapshot` could never return it.
 */
export class RedisSnapshotStore implements SnapshotStore {
  readonly #client: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;

  constructor(client: RedisConnection, keys: RedisKeys, limits: Limits, isOpen: () => boolean) {
    this.#client = client;
    this.#keys = keys;
    this.#limits = limits;
    this.#isOpen = isOpen;
  }

  async saveSnapshot(snapshot: NewSnapshot): Promise<void> {
    if (!this.#isOpen()) throw closedError('the Redis snapshot store');
    const s = prepareSnapshot(snapshot, this.#limits);
    try {
      await saveSnapshotScript.run(
        this.#client,
        [this.#keys.snapshot(s)],
        [s.version, s.schemaVersion, s.stateJson],
      );
    } catch (error) {
      throw translateRedisError(error, `saving a snapshot of ${s.domain}/${s.aggregateId}`);
    }
  }

  async latestSnapshot(stream: StreamId): Promise<Snapshot | undefined> {
    if (!this.#isOpen()) throw closedError('the Redis snapshot store');
    assertStreamId(stream, this.#limits);
    let fields: unknown;
    try {
      fields = await this.#client.call('HMGET', [
        this.#keys.snapshot(stream),
        'version',
        'schemaVersion',
        'recordedAt',
        'state',
      ]);
    } catch (error) {
      throw translateRedisError(
        error,
        `reading the snapshot of ${stream.domain}/${stream.aggregateId}`,
      );
    }
    const [version, schemaVersion, recordedAt, state] = fields as (string | null)[];
    if (version == null || state == null) return undefined;
    return {
      domain: stream.domain,
      aggregateId: stream.aggregateId,
      version: Number(version),
      state: parseJson(state),
      schemaVersion: Number(schemaVersion),
      recordedAt: new Date(Number(recordedAt)),
    };
  }

  /** Removes nothing: each stream keeps only its latest snapshot already. */
  async pruneSnapshots(stream: StreamId, keep: number): Promise<number> {
    if (!this.#isOpen()) throw closedError('the Redis snapshot store');
    assertStreamId(stream, this.#limits);
    assertPositiveInteger('keep', keep);
    return 0;
  }
}
