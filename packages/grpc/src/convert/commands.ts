import { create } from '@bufbuild/protobuf';
import type { Command as CoreCommand, JsonObject } from '@evented/core';
import { invalidArgument } from '@evented/core/internal';
import type { Command } from '../gen/evented/v1/types_pb.js';
import { CommandSchema, CoverSchema } from '../gen/evented/v1/types_pb.js';
import type { PayloadCodec } from './payload-codec.js';

/** A command from the wire; empty strings stand for absent optional ids. */
export function fromProtoCommand(command: Command | undefined, codec: PayloadCodec): CoreCommand {
  if (!command) throw invalidArgument('command', 'is required');
  const expected = command.expectedVersion;
  if (expected !== undefined && expected > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalidArgument('command.expectedVersion', `${expected} is beyond any stream's version`);
  }
  return {
    domain: command.cover?.domain ?? '',
    aggregateId: command.cover?.aggregateId ?? '',
    type: command.type,
    data: codec.decode('command.payload', command.payload),
    ...(command.metadata && { metadata: command.metadata as JsonObject }),
    ...(command.commandId !== '' && { commandId: command.commandId }),
    ...(expected !== undefined && { expectedVersion: Number(expected) }),
    ...(command.cover?.correlationId && { correlationId: command.cover.correlationId }),
    ...(command.causationId !== '' && { causationId: command.causationId }),
  };
}

/** A command on the wire. */
export function toProtoCommand(command: CoreCommand, codec: PayloadCodec): Command {
  return create(CommandSchema, {
    cover: create(CoverSchema, {
      domain: command.domain,
      aggregateId: command.aggregateId,
      correlationId: command.correlationId ?? '',
    }),
    type: command.type,
    payload: codec.encode(command.data, true),
    ...(command.metadata && { metadata: command.metadata }),
    commandId: command.commandId ?? '',
    ...(command.expectedVersion !== undefined && {
      expectedVersion: BigInt(command.expectedVersion),
    }),
    causationId: command.causationId ?? '',
  });
}
