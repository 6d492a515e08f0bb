import { create, equals, toBinary } from '@bufbuild/protobuf';
import {
  AnySchema,
  anyPack,
  anyUnpack,
  file_google_protobuf_any,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  FileDescriptorSetSchema,
} from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { isEventedError } from '@evented/core';
import { CoverSchema, file_evented_v1_types, PayloadSchema } from '../gen/evented/v1/types_pb.js';
import { PayloadCodec } from './payload-codec.js';
import { registryFromDescriptorSets } from './registry.js';

/** A descriptor set as `buf build` would write it, holding evented.v1.Cover and its imports. */
function descriptorSet(): Uint8Array {
  const files = [
    file_google_protobuf_any,
    file_google_protobuf_struct,
    file_google_protobuf_timestamp,
    file_evented_v1_types,
  ];
  return toBinary(
    FileDescriptorSetSchema,
    create(FileDescriptorSetSchema, { file: files.map((file) => file.proto) }),
  );
}

const cover = create(CoverSchema, { domain: 'account', aggregateId: 'a-1', correlationId: 'r-9' });
const anyPayload = (any = anyPack(CoverSchema, cover)) =>
  create(PayloadSchema, { kind: { case: 'any', value: any } });

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isEventedError(error) ? error.code : 'NOT_EVENTED';
  }
}

describe('payloads', () => {
  it('store a registered Any as canonical JSON and give it back as the same Any', () => {
    const codec = new PayloadCodec(registryFromDescriptorSets([descriptorSet()]));
    const json = codec.decode('payload', anyPayload());
    expect(json).toEqual({
      '@type': 'type.googleapis.com/evented.v1.Cover',
      domain: 'account',
      aggregateId: 'a-1',
      correlationId: 'r-9',
    });
    const back = codec.encode(json, true);
    expect(back.kind.case).toBe('any');
    const unpacked = anyUnpack(back.kind.value as never, CoverSchema);
    expect(unpacked && equals(CoverSchema, unpacked, cover)).toBe(true);
    expect(codec.encode(json, false).kind).toEqual({ case: 'json', value: JSON.stringify(json) });
  });

  it('refuse an Any of an unregistered type, or whose bytes do not decode, with INVALID_ARGUMENT', () => {
    const codec = new PayloadCodec(registryFromDescriptorSets([descriptorSet()]));
    expect(codeOf(() => new PayloadCodec().decode('payload', anyPayload()))).toBe(
      'INVALID_ARGUMENT',
    );
    const corrupt = create(AnySchema, {
      typeUrl: 'type.googleapis.com/evented.v1.Cover',
      value: new Uint8Array([0x0a, 0xff]),
    });
    expect(codeOf(() => codec.decode('payload', anyPayload(corrupt)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => registryFromDescriptorSets([new Uint8Array([0xff, 0xff])]))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('parse JSON payloads, refusing text that is not JSON', () => {
    const codec = new PayloadCodec();
    expect(
      codec.decode(
        'payload',
        create(PayloadSchema, { kind: { case: 'json', value: '{"a":[1,"x"]}' } }),
      ),
    ).toEqual({ a: [1, 'x'] });
    expect(
      codeOf(() =>
        codec.decode('payload', create(PayloadSchema, { kind: { case: 'json', value: '{nope' } })),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(codec.decode('payload', undefined)).toBeNull();
  });
});
