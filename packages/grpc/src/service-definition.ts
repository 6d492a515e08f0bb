import type { DescMessage, DescService, MessageShape } from '@bufbuild/protobuf';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

/**
 * A grpc-js service definition of a protobuf-es service descriptor, for clients: requests
 * are serialised, responses parsed, both with protobuf-es.
 */
export function clientDefinition(service: DescService): ServiceDefinition {
  return definition(service, (input) => ({
    requestSerialize: (message: unknown) =>
      Buffer.from(toBinary(input, message as MessageShape<DescMessage>)),
    requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
  }));
}

/**
 * A grpc-js service definition for servers. Requests reach the handler as raw bytes, so
 * that the handler parses them itself and answers a malformed message with
 * INVALID_ARGUMENT instead of grpc-js's generic INTERNAL.
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
      responseSerialize: (message: unknown) =>
        Buffer.from(toBinary(output, message as MessageShape<DescMessage>)),
      responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
    } as MethodDefinition<unknown, unknown>;
  }
  return methods;
}
