/** Size limits checked before any storage code runs. */
export interface Limits {
  /** Bytes (UTF-8) of an id: domain, aggregate id, event type, command id, processor name. */
  readonly maxIdBytes: number;
  /** Bytes of one event's `data` as JSON. */
  readonly maxEventDataBytes: number;
  /** Bytes of one event's or command's `metadata` as JSON. */
  readonly maxMetadataBytes: number;
  /** Events in one append. */
  readonly maxEventsPerAppend: number;
  /** Bytes of all data and metadata of one append. */
  readonly maxAppendBytes: number;
  /** Bytes of a snapshot's state as JSON. */
  readonly maxSnapshotBytes: number;
}

/** The limits used when none are configured. */
export const defaultLimits: Limits = {
  maxIdBytes: 256,
  maxEventDataBytes: 1024 * 1024,
  maxMetadataBytes: 64 * 1024,
  maxEventsPerAppend: 10_000,
  maxAppendBytes: 16 * 1024 * 1024,
  maxSnapshotBytes: 16 * 1024 * 1024,
};

/** The default limits with some replaced. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...defaultLimits, ...overrides };
}
