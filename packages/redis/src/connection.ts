import { Redis } from 'ioredis';
import { EventedError } from '@evented/core';
import { translateRedisError } from './errors.js';

/**
 * The part of an ioredis client the stores use, as a structural type so that a client from
 * another copy of ioredis fits. Pass your own `new Redis(...)` to share its settings
 * (TLS, Sentinel, ACL user); the storage then never closes it.
 */
export interface RedisLike {
  /** `'ready'` while connected. */
  readonly status: string;
  /** Sends one command; ioredis's `call(command, args)`. */
  call(command: string, args: (string | number | Buffer)[]): Promise<unknown>;
  /** A new connection with the same options but those given, for blocking reads. */
  duplicate(override?: {
    autoResendUnfulfilledCommands?: boolean;
    commandTimeout?: number | undefined;
  }): RedisLike;
  /** Closes the connection at once, failing its pending commands. */
  disconnect(): void;
  on(event: 'error' | 'ready' | 'close', listener: (error?: Error) => void): unknown;
  off(event: 'error' | 'ready' | 'close', listener: (error?: Error) => void): unknown;
}

/**
 * A client whose commands cannot hang on a dropped connection. ioredis 6.0.0 forgets the
 * commands in flight when a connection drops and `autoResendUnfulfilledCommands` is off:
 * their promises never settle (redis/ioredis#2193). Here each command also fails, with
 * ioredis's "Connection is closed", when the connection it was sent on closes; a command
 * queued while disconnected waits for the next connection as ioredis intends.
 */
export class RedisConnection {
  readonly client: RedisLike;
  #connected: boolean;
  /** The rejections of the commands sent since the connection was last ready. */
  #pending = new Set<(error: Error) => void>();

  constructor(client: RedisLike) {
    this.client = client;
    this.#connected = client.status === 'ready';
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    client.on('error', ignore);
  }

  call(command: string, args: (string | number | Buffer)[] = []): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const pending = this.#pending;
      pending.add(reject);
      this.client.call(command, args).then(
        (reply) => {
          pending.delete(reject);
          resolve(reply);
        },
        (error: unknown) => {
          pending.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** Stops watching the client, which stays open: for a client the storage does not own. */
  release(): void {
    this.client.off('ready', this.#onReady);
    this.client.off('close', this.#onClose);
    this.client.off('error', ignore);
  }

  readonly #onReady = (): void => {
    this.#connected = true;
  };

  readonly #onClose = (): void => {
    if (!this.#connected) return;
    this.#connected = false;
    const cutOff = this.#pending;
    this.#pending = new Set();
    for (const reject of cutOff) reject(new Error('Connection is closed.'));
  };

  /**
   * A new connection for blocking reads; the caller closes it. It never resends a read cut
   * off by a reconnect (that read would block the new one) and has no command timeout.
   */
  duplicate(): RedisConnection {
    return new RedisConnection(
      this.client.duplicate({ autoResendUnfulfilledCommands: false, commandTimeout: undefined }),
    );
  }
}

const ignore = (): void => undefined;

/**
 * Options of the connections a storage opens from a URL. Commands left unanswered when a
 * connection drops are not sent again after reconnecting: an append whose reply was lost
 * fails with `UNAVAILABLE` instead of being applied twice, and its `commandId` or event ids
 * make the caller's retry safe. Set the same on a client you pass yourself.
 */
export const defaultRedisConnectionOptions = {
  autoResendUnfulfilledCommands: false,
  connectionName: 'evented',
  connectTimeout: 10_000,
} as const;

/** Opens a client for a `redis://` or `rediss://` URL and waits until it answers. */
export async function openConnection(url: string): Promise<Redis> {
  if (typeof url !== 'string' || !/^rediss?:\/\//i.test(url)) {
    throw new EventedError(
      'CONFIGURATION',
      `the Redis connection must be a redis:// or rediss:// URL or a client, found ${typeof url === 'string' ? redactUrl(url) : typeof url}`,
      { field: 'connection' },
    );
  }
  const client = new Redis(url, { ...defaultRedisConnectionOptions, lazyConnect: true });
  // Connection failures are reported through the failing commands; without a listener
  // ioredis would also print every reconnect attempt.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.call('PING');
    return client;
  } catch (error) {
    client.disconnect();
    throw translateRedisError(error, `connecting to ${redactUrl(url)}`);
  }
}

/** Closes a client the storage opened: politely when it is up, at once otherwise. */
export async function closeConnection(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an invalid URL';
  }
}
