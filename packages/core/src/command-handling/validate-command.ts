import { EventedError } from '../errors/evented-error.js';
import { invalidArgument } from '../errors/errors.js';
import { assertNonNegativeInteger, assertValidId, describeType } from '../validation/ids.js';
import { metadataToJson, toJson } from '../validation/json.js';
import type { Limits } from '../validation/limits.js';
import type { Command } from './command.js';

/** Checks a command's ids, payload and options before anything is loaded or written. */
export function validateCommand(command: Command, limits: Limits): void {
  if (typeof command !== 'object' || command === null) {
    throw invalidArgument('command', `must be an object, found ${describeType(command)}`);
  }
  assertValidId('domain', command.domain, limits.maxIdBytes);
  assertValidId('aggregateId', command.aggregateId, limits.maxIdBytes);
  assertValidId('type', command.type, limits.maxIdBytes);
  if (command.data === undefined) throw invalidArgument('data', 'is required');
  toJson('data', command.data, limits.maxEventDataBytes);
  metadataToJson('metadata', command.metadata, limits.maxMetadataBytes);
  for (const field of ['commandId', 'correlationId', 'causationId'] as const) {
    if (command[field] !== undefined) assertValidId(field, command[field], limits.maxIdBytes);
  }
  if (command.expectedVersion !== undefined) {
    assertNonNegativeInteger('expectedVersion', command.expectedVersion);
  }
}

/** The error for a command whose domain has no business logic. */
export function unknownDomain(domain: string, known: readonly string[]): EventedError {
  return new EventedError(
    'UNKNOWN_DOMAIN',
    `no business logic is registered for domain '${domain}' (known: ${known.join(', ') || 'none'})`,
    { domain, known },
  );
}
