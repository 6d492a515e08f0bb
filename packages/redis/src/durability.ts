import type { RedisConnection } from './connection.js';
import { translateRedisError } from './errors.js';

/** The server settings that decide whether an acknowledged append survives a crash. */
export interface RedisDurability {
  /** `appendonly`: whether Redis logs every write to its append-only file. */
  readonly appendOnly: boolean | undefined;
  /** `appendfsync`: `'always'` syncs before replying; `'everysec'` once a second. */
  readonly appendFsync: string | undefined;
  /** `maxmemory-policy`: anything but `'noeviction'` may delete events when memory is full. */
  readonly maxmemoryPolicy: string | undefined;
  /** What falls short of keeping every acknowledged append through a crash; empty when nothing. */
  readonly problems: readonly string[];
}

/**
 * Reads the persistence settings with `CONFIG GET`. Where `CONFIG` is disabled (many
 * managed services), the settings are unknown and `problems` says so.
 */
export async function readDurability(client: RedisConnection): Promise<RedisDurability> {
  let reply: unknown;
  try {
    reply = await client.call('CONFIG', ['GET', 'appendonly', 'appendfsync', 'maxmemory-policy']);
  } catch (error) {
    const translated = translateRedisError(error, 'reading the persistence settings');
    if (translated.code === 'UNAVAILABLE') throw translated;
    return {
      appendOnly: undefined,
      appendFsync: undefined,
      maxmemoryPolicy: undefined,
      problems: [`the settings cannot be read (${translated.message}); check them yourself`],
    };
  }
  const settings = toSettings(reply);
  const appendOnly = settings.get('appendonly');
  const appendFsync = settings.get('appendfsync');
  const maxmemoryPolicy = settings.get('maxmemory-policy');
  const problems: string[] = [];
  if (appendOnly !== 'yes') {
    problems.push(
      'appendonly is not yes: a restart loses every append since the last RDB snapshot, if there is one',
    );
  } else if (appendFsync !== 'always') {
    problems.push(
      `appendfsync is ${appendFsync ?? 'unknown'}, not always: a machine crash or power loss can lose the last second or two`,
    );
  }
  if (maxmemoryPolicy !== 'noeviction') {
    problems.push(
      `maxmemory-policy is ${maxmemoryPolicy ?? 'unknown'}, not noeviction: a full server may evict events`,
    );
  }
  return {
    appendOnly: appendOnly === undefined ? undefined : appendOnly === 'yes',
    appendFsync,
    maxmemoryPolicy,
    problems,
  };
}

/** CONFIG GET answers a flat list (RESP2, or RESP3 mapped as ioredis does) or an object. */
function toSettings(reply: unknown): Map<string, string> {
  const settings = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2)
      settings.set(String(reply[i]), String(reply[i + 1]));
  } else if (typeof reply === 'object' && reply !== null) {
    for (const [key, value] of Object.entries(reply)) settings.set(key, String(value));
  }
  return settings;
}
