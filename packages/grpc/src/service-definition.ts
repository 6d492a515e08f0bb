import type { DescMessage, DescService, MessageShape } from '@bufbuild/protobuf';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

/**
 * A grpc-js service definition of a protobuf-es service descriptor, for clients: requests
 * are serialised, responses parsed, both with protobuf-es. A request already encoded (a
 * `Uint8Array`) is sent as it is.
 */
export function clientDefinition(service: DescService): ServiceDefinition {
  return definition(service, (input) => ({
    requestSerialize: (message: unknown) => serialize(input, message),
    requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
  }));
}

/**
 * A grpc-js service definition for servers. Requests reach the handler as raw bytes, so
 * that the handler parses them itself and answers a malformed message with
 * INVALID_ARGUMENT instead of grpc-js's generic INTERNAL. A response already encoded (a
 * `Uint8Array`) is sent as it is.
 */
export function serverDefinition(service: DescService): ServiceDefinition {
  return definition(service, () => ({
    requestSerialize: (bytes: unknown) => bytes as Buffer,
    requestDeserialize: (bytes: Buffer) => bytes,
  }));
}

function definition(
  service: DescService,
  requestCodec: (
    input: DescMessage,
  ) => Pick<MethodDefinition<unknown, unknown>, 'requestSerialize' | 'requestDeserialize'>,
): ServiceDefinition {
  const methods: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    const { output } = method;
    methods[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.name,
      requestStream:
        method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream:
        method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      ...requestCodec(method.input),
      responseSerialize: (message: unknown) => serialize(output, message),
      responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
    } as MethodDefinition<unknown, unknown>;
  }
  return methods;
}

function serialize(schema: DescMessage, message: unknown): Buffer {
  const bytes =
    message instanceof Uint8Array
      ? message
      : toBinary(schema, message as MessageShape<DescMessage>);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
