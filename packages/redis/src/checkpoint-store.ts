import type { CheckpointStore, Fence, Limits, Position } from '@evented/core';
import {
  assertValidId,
  closedError,
  invalidArgument,
  validateCheckpoint,
} from '@evented/core/internal';
import { assertFence, fencedError } from './claim-store.js';
import type { RedisConnection } from './connection.js';
import { translateRedisError } from './errors.js';
import type { RedisKeys } from './schema.js';
import { saveCheckpointScript } from './scripts.js';

/**
 * The checkpoint store on a Redis client: one hash of processor → position. Redis has no
 * transaction that spans a caller's own work, so there is no `saveCheckpointWith`
 * (`capabilities.transactionalCheckpoints` is false): a projector saves its read model,
 * then its checkpoint, and handles an event again after a crash in between. A fenced save
 * checks the claim in the same script as it saves.
 */
export class RedisCheckpointStore implements CheckpointStore {
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

  async loadCheckpoint(processor: string): Promise<Position | undefined> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    try {
      const position = await this.#client.call('HGET', [this.#keys.checkpoints, processor]);
      return position === null ? undefined : BigInt(position as string);
    } catch (error) {
      throw translateRedisError(error, `loading the checkpoint of ${processor}`);
    }
  }

  async saveCheckpoint(processor: string, position: Position, fence?: Fence): Promise<void> {
    this.#assertOpen();
    validateCheckpoint(processor, position, this.#limits);
    if (fence !== undefined) assertFence(fence, this.#limits);
    const keys = [this.#keys.checkpoints, this.#keys.position];
    const args: (string | number)[] = [processor, position.toString()];
    if (fence) {
      keys.push(this.#keys.claims(fence.processor));
      args.push(fence.segment, fence.owner, fence.token);
    }
    let reply: unknown;
    try {
      reply = await saveCheckpointScript.run(this.#client, keys, args);
    } catch (error) {
      throw translateRedisError(error, `saving the checkpoint of ${processor}`);
    }
    const [outcome, head, owner] = reply as [string, string?, string?];
    if (outcome === 'fenced') throw fencedError(fence!, head, owner);
    if (outcome === 'beyond') {
      throw invalidArgument('position', `${position} is beyond the head of the log (${head})`, {
        position: position.toString(),
        head,
      });
    }
  }

  async deleteCheckpoint(processor: string): Promise<void> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    try {
      await this.#client.call('HDEL', [this.#keys.checkpoints, processor]);
    } catch (error) {
      throw translateRedisError(error, `deleting the checkpoint of ${processor}`);
    }
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the Redis checkpoint store');
  }
}
