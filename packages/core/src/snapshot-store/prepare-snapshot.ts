import { assertStreamId } from '../event-store/prepare-append.js';
import { invalidArgument } from '../errors/errors.js';
import { assertPositiveInteger, describeType } from '../validation/ids.js';
import { toJson } from '../validation/json.js';
import type { Limits } from '../validation/limits.js';
import type { NewSnapshot } from './snapshot-store.js';

/** A snapshot checked and serialised, ready for a store to write. */
export interface PreparedSnapshot {
  readonly domain: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly stateJson: string;
  readonly schemaVersion: number;
}

/** Validates a snapshot and serialises its state; every snapshot store calls this first. */
export function prepareSnapshot(snapshot: NewSnapshot, limits: Limits): PreparedSnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) {
    throw invalidArgument('snapshot', `must be an object, found ${describeType(snapshot)}`);
  }
  assertStreamId(snapshot, limits);
  assertPositiveInteger('version', snapshot.version);
  const schemaVersion = snapshot.schemaVersion ?? 1;
  assertPositiveInteger('schemaVersion', schemaVersion);
  if (snapshot.state === undefined) throw invalidArgument('state', 'is required');
  return {
    domain: snapshot.domain,
    aggregateId: snapshot.aggregateId,
    version: snapshot.version,
    stateJson: toJson('state', snapshot.state, limits.maxSnapshotBytes),
    schemaVersion,
  };
}
