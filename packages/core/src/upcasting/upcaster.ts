import type { JsonObject, JsonValue } from '../event-store/types.js';

/** What an upcaster sees of a stored event: its type, schema version, data and metadata. */
export interface UpcastInput {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: JsonValue;
  readonly metadata: JsonObject;
}

/** What an upcaster makes of it: the next version's data, and its metadata when that changes. */
export interface UpcastOutput {
  readonly data: JsonValue;
  /** The metadata of the next version; default the input's. */
  readonly metadata?: JsonObject;
}

/**
 * Turns events of `(type, fromVersion)` into schema version `fromVersion + 1` as they are
 * read, and into `toType` when the type was renamed. Upcasters chain: events stored at
 * version 1 go through the upcasters from 1, 2, ... up to their type's current version.
 * They run on every read and never change stored events, so `upcast` must be a pure
 * function of its input.
 *
 * ```ts
 * const depositedV2: Upcaster = {
 *   type: 'Deposited',
 *   fromVersion: 1,
 *   upcast: ({ data }) => ({ data: { ...(data as object), currency: 'EUR' } }),
 * };
 * ```
 */
export interface Upcaster {
  /** The event type it reads. */
  readonly type: string;
  /** The schema version it reads; it produces `fromVersion + 1`. */
  readonly fromVersion: number;
  /** The type of the events it produces, when the new version renames the type; default `type`. */
  readonly toType?: string;
  upcast(event: UpcastInput): UpcastOutput;
}
