/**
 * What evented's own packages share: validation and serialisation that every store adapter
 * runs at its boundary. Not part of the public API; it may change in any release.
 */
export {
  prepareAppend,
  assertStreamId,
  assertExpectedVersion,
  expectedVersionNumber,
} from './event-store/prepare-append.js';
export type { PreparedAppend, PreparedEvent } from './event-store/prepare-append.js';
export { prepareSnapshot } from './snapshot-store/prepare-snapshot.js';
export type { PreparedSnapshot } from './snapshot-store/prepare-snapshot.js';
export { validateCheckpoint } from './checkpoint-store/validate-checkpoint.js';
export {
  assertClaimArguments,
  assertFence,
  assertSegment,
  assertLease,
  fencedError,
  SEGMENT_LIMIT,
  MAX_LEASE_MS,
} from './claim-store/validate-claim.js';
export type { ClaimArguments, CurrentClaim } from './claim-store/validate-claim.js';
export {
  prepareDeadLetters,
  prepareDeadLetterQuery,
  prepareDeadLetterRemoval,
  parseDeadLetterEvent,
  toDeadLetter,
  storableText,
  MAX_DEAD_LETTER_MESSAGE_BYTES,
  MAX_DEAD_LETTER_CODE_BYTES,
  DEFAULT_DEAD_LETTER_LIMIT,
  MAX_DEAD_LETTER_LIMIT,
  MAX_DEAD_LETTER_ATTEMPTS,
} from './dead-letter-store/prepare-dead-letter.js';
export type {
  PreparedDeadLetter,
  PreparedDeadLetterQuery,
} from './dead-letter-store/prepare-dead-letter.js';
export {
  assertValidId,
  normalizeEventId,
  assertNonNegativeInteger,
  assertPositiveInteger,
  describeType,
  describeValue,
} from './validation/ids.js';
export { toJson, metadataToJson, parseJson, parseMetadata } from './validation/json.js';
export {
  concurrencyConflict,
  invalidArgument,
  limitExceeded,
  closedError,
} from './errors/errors.js';
export { LogWaiters } from './event-store/log-waiters.js';
export { oneHandler } from './processors/one-handler.js';
