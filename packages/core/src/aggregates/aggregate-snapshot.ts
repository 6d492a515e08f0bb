import { EventedError, isEventedError } from '../errors/evented-error.js';
import type { JsonValue } from '../event-store/types.js';
import { toJson } from '../validation/json.js';
import type { AggregateDefinition } from './aggregate-definition.js';

/** A class that saves and restores its own state, instead of its own enumerable fields. */
interface CustomSnapshots {
  toSnapshot(): JsonValue;
  fromSnapshot(json: JsonValue): void;
}

/**
 * The snapshot of an aggregate: `{ state, closed }`, where `state` is the class's own
 * enumerable fields, or what its `toSnapshot()` returns. A state that is not plain JSON
 * fails with `CONFIGURATION` rather than be saved changed (a `Date` as a string, a `Map`
 * as `{}`); the test fixtures ask for a snapshot on every command, so tests find it first.
 */
export function snapshotOf(
  definition: AggregateDefinition,
  instance: object,
  closed: boolean,
): JsonValue {
  const state = definition.customSnapshots
    ? (instance as CustomSnapshots).toSnapshot()
    : ({ ...instance } as JsonValue);
  try {
    toJson('state', state, Number.POSITIVE_INFINITY);
  } catch (error) {
    if (!isEventedError(error, 'INVALID_ARGUMENT')) throw error;
    throw new EventedError(
      'CONFIGURATION',
      `the state of aggregate class ${definition.className} cannot be a snapshot: ${error.message}; keep it in plain JSON fields, or define toSnapshot() and fromSnapshot()`,
      { className: definition.className },
      { cause: error },
    );
  }
  return { state, closed };
}

/** A new instance with the state of a snapshot that {@link snapshotOf} made. */
export function restoreState(
  definition: AggregateDefinition,
  snapshot: JsonValue,
): { instance: object; closed: boolean } {
  if (typeof snapshot !== 'object' || snapshot === null || !('state' in snapshot)) {
    throw new EventedError(
      'INTERNAL',
      `a snapshot of ${definition.domain} is not one of aggregate class ${definition.className}: bump its snapshotSchemaVersion to ignore old snapshots`,
      { domain: definition.domain },
    );
  }
  const { state, closed } = snapshot as { state: JsonValue; closed?: JsonValue };
  const instance = definition.create();
  if (definition.customSnapshots) (instance as CustomSnapshots).fromSnapshot(state);
  else Object.assign(instance, state);
  return { instance, closed: closed === true };
}
