import { create, toBinary } from '@bufbuild/protobuf';
import type { DescFile } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type { Server } from '@grpc/grpc-js';

/** Adds gRPC server reflection for these files and everything they import. */
export function addReflection(server: Server, files: readonly DescFile[]): void {
  const all = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (all.has(file.name)) return;
    for (const dependency of file.dependencies) visit(dependency);
    all.set(file.name, file);
  };
  files.forEach(visit);
  const set = create(FileDescriptorSetSchema, {
    file: [...all.values()].map((file) => file.proto),
  });
  const definition = loadFileDescriptorSetFromBuffer(
    Buffer.from(toBinary(FileDescriptorSetSchema, set)),
  );
  new ReflectionService(definition).addToServer(server);
}
