import type { Registry } from '@bufbuild/protobuf';
import { createFileRegistry, createRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { invalidArgument } from '@evented/core/internal';

/**
 * The message types of serialised `FileDescriptorSet`s (as `buf build -o set.binpb` or
 * `protoc --include_imports --descriptor_set_out` write them), for `Any` payloads.
 */
export function registryFromDescriptorSets(sets: readonly Uint8Array[]): Registry {
  const registries = sets.map((bytes, index) => {
    try {
      return createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
    } catch (error) {
      throw invalidArgument(
        `descriptorSets[${index}]`,
        `is not a FileDescriptorSet: ${(error as Error).message}`,
      );
    }
  });
  return createRegistry(...registries);
}
