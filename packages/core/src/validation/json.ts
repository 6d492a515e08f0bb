import { invalidArgument, limitExceeded } from '../errors/errors.js';
import type { JsonObject, JsonValue } from '../event-store/types.js';
import { describeType } from './ids.js';

const MAX_DEPTH = 64;

/**
 * Serialises a value that must be plain JSON, refusing anything `JSON.stringify` would
 * change or drop silently (undefined, functions, symbols, bigints, NaN, Infinity, Dates,
 * Maps, class instances, cycles) and anything over `maxBytes` UTF-8 bytes. Returns the JSON.
 */
export function toJson(field: string, value: unknown, maxBytes: number): string {
  assertPlainJson(field, value, 0, new Set());
  const json = JSON.stringify(value);
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short strings need no count.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > maxBytes) throw limitExceeded(field, maxBytes, bytes, 'bytes');
  }
  return json;
}

/** Serialises metadata: a plain JSON object, `{}` when absent. */
export function metadataToJson(field: string, value: unknown, maxBytes: number): string {
  if (value === undefined) return '{}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(field, `must be a JSON object, found ${describeType(value)}`);
  }
  return toJson(field, value, maxBytes);
}

function assertPlainJson(path: string, value: unknown, depth: number, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) throw invalidArgument(path, 'string has a lone surrogate');
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw invalidArgument(path, `${value} is not JSON`);
      return;
    case 'object':
      break;
    default:
      throw invalidArgument(path, `${typeof value} is not JSON`);
  }
  if (value === null) return;
  if (depth >= MAX_DEPTH) throw invalidArgument(path, `nests deeper than ${MAX_DEPTH} levels`);
  if (seen.has(value)) throw invalidArgument(path, 'is a cycle');
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      assertPlainJson(`${path}[${i}]`, value[i], depth + 1, seen);
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw invalidArgument(path, `${describeType(value)} is not plain JSON; convert it first`);
    }
    for (const key of Object.keys(value)) {
      if (hasLoneSurrogate(key)) throw invalidArgument(path, 'key has a lone surrogate');
      assertPlainJson(`${path}.${key}`, (value as Record<string, unknown>)[key], depth + 1, seen);
    }
  }
  seen.delete(value);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

/** Parses JSON written by {@link toJson}. */
export function parseJson(json: string): JsonValue {
  return JSON.parse(json) as JsonValue;
}

/** Parses metadata JSON written by {@link metadataToJson}. */
export function parseMetadata(json: string): JsonObject {
  return JSON.parse(json) as JsonObject;
}
