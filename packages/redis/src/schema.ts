import type { StreamId } from '@evented/core';
import { EventedError } from '@evented/core';

/** The prefix of every key when none is configured. */
export const DEFAULT_PREFIX = 'evented:';

const MAX_PREFIX_LENGTH = 128;
// Printable ASCII without the space, the hash-tag braces and the SCAN glob characters: the
// prefix is written inside a hash tag and matched by SCAN, so those would change its meaning.
const PREFIX = /^[\x21-\x7e]+$/;
const FORBIDDEN_IN_PREFIX = /[{}*?[\]\\]/;

/**
 * The names of one storage's keys. Every key is `{<prefix>}<name>`: the braces make the
 * prefix a Redis Cluster hash tag, so all keys of one storage live in one slot and the
 * append script may touch them together. An ACL for the storage is `~{<prefix>}*`.
 *
 * | key | type | holds |
 * |---|---|---|
 * | `position` | string | the position of the last event; the next append takes the following ones |
 * | `log` | stream | the global log: entry id `<position>-0`, one field per event column |
 * | `stream:<n>:<domain>:<aggregateId>` | list | a stream's positions, version v at index v-1 |
 * | `event-ids` | hash | event id → position, for re-sent batches and `ALREADY_EXISTS` |
 * | `commands` | hash | command id → `from\0to\0domain\0aggregateId` |
 * | `snapshot:<n>:<domain>:<aggregateId>` | hash | the stream's latest snapshot |
 * | `checkpoints` | hash | processor → position |
 * | `claims:<processor>` | hash | segment → `<token>:<expiresAt ms>:<owner>`, the owner empty once released |
 * | `nodes:<processor>` | sorted set | node id, scored by when its heartbeat expires (ms) |
 * | `dead-letters:<processor>` | hash | event id → the dead letter (see below) |
 * | `dead-letter-log:<processor>` | sorted set | `<position>:<event id>`, all scored 0: the dead letters in log order |
 * | `dead-letters-by-aggregate:<processor>` | sorted set | `<aggregate>\0<position>:<event id>`, all scored 0: each aggregate's in log order |
 * | `parked-aggregates:<processor>` | hash | `<aggregate>` → how many of its events are parked |
 *
 * `<n>` is the length of the domain, so that no two streams share a key however their
 * domain and aggregate id are split (`a:b`/`c` and `a`/`b:c`).
 *
 * Dead letters are ordered by lexical range (`ZRANGE … BYLEX`), exact at any position:
 * `<position>` is written with 20 digits, zero-padded, and `<aggregate>` is
 * `<n>:<domain>:<aggregateId>`; ids hold no control characters, so the NUL after it ends
 * the aggregate's range. A dead letter is stored as `<position>\0<aggregate>\0<parkedAt
 * ms>\0<JSON of reason, message, code, attempts>\0<JSON of the recorded event>`, so that
 * removing one finds its index entries without parsing JSON.
 */
export class RedisKeys {
  readonly prefix: string;
  readonly position: string;
  readonly log: string;
  readonly eventIds: string;
  readonly commands: string;
  readonly checkpoints: string;
  /** A SCAN pattern matching every key of this storage. */
  readonly pattern: string;
  readonly #tag: string;

  constructor(prefix: string) {
    assertPrefix(prefix);
    this.prefix = prefix;
    this.#tag = `{${prefix}}`;
    this.position = `${this.#tag}position`;
    this.log = `${this.#tag}log`;
    this.eventIds = `${this.#tag}event-ids`;
    this.commands = `${this.#tag}commands`;
    this.checkpoints = `${this.#tag}checkpoints`;
    this.pattern = `${this.#tag}*`;
  }

  /** The list of a stream's positions. */
  stream(stream: StreamId): string {
    return `${this.#tag}stream:${streamSuffix(stream)}`;
  }

  /** The hash of a stream's latest snapshot. */
  snapshot(stream: StreamId): string {
    return `${this.#tag}snapshot:${streamSuffix(stream)}`;
  }

  /** The hash of a processor's segment claims. */
  claims(processor: string): string {
    return `${this.#tag}claims:${processor}`;
  }

  /** The sorted set of the nodes working on a processor, by heartbeat expiry. */
  nodes(processor: string): string {
    return `${this.#tag}nodes:${processor}`;
  }

  /** The hash of a processor's dead letters, by event id. */
  deadLetters(processor: string): string {
    return `${this.#tag}dead-letters:${processor}`;
  }

  /** The sorted set of a processor's dead letters in log order. */
  deadLetterLog(processor: string): string {
    return `${this.#tag}dead-letter-log:${processor}`;
  }

  /** The sorted set of a processor's dead letters by aggregate, each in log order. */
  deadLettersByAggregate(processor: string): string {
    return `${this.#tag}dead-letters-by-aggregate:${processor}`;
  }

  /** The hash of how many events of each aggregate a processor has parked. */
  parkedAggregates(processor: string): string {
    return `${this.#tag}parked-aggregates:${processor}`;
  }
}

function streamSuffix({ domain, aggregateId }: StreamId): string {
  return `${domain.length}:${domain}:${aggregateId}`;
}

/** Checks a key prefix: 1 to 128 printable ASCII characters, no space, braces or glob characters. */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (
    typeof prefix !== 'string' ||
    prefix.length > MAX_PREFIX_LENGTH ||
    !PREFIX.test(prefix) ||
    FORBIDDEN_IN_PREFIX.test(prefix)
  ) {
    throw new EventedError(
      'CONFIGURATION',
      `prefix must be 1 to ${MAX_PREFIX_LENGTH} printable ASCII characters without spaces, braces or *?[]\\, found ${describePrefix(prefix)}`,
      { field: 'prefix' },
    );
  }
}

function describePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') return typeof prefix;
  return prefix.length > 40 ? `a ${prefix.length}-character string` : JSON.stringify(prefix);
}
