import type { Registry } from '@bufbuild/protobuf';
import { create, createRegistry, fromJson, toJson } from '@bufbuild/protobuf';
import type { JsonValue as ProtoJson } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import type { JsonValue } from '@evented/core';
import { invalidArgument } from '@evented/core/internal';
import type { Payload } from '../gen/evented/v1/types_pb.js';
import { PayloadSchema } from '../gen/evented/v1/types_pb.js';

/**
 * Turns wire payloads into the JSON evented stores, and back. A `json` payload is parsed
 * as it is. An `Any` payload is stored as its canonical JSON (with `@type`), which needs
 * the type's descriptor in the registry; an unknown type is refused with INVALID_ARGUMENT.
 */
export class PayloadCodec {
  readonly #registry: Registry;

  constructor(registry: Registry = createRegistry()) {
    this.#registry = registry;
  }

  decode(field: string, payload: Payload | undefined): JsonValue {
    switch (payload?.kind.case) {
      case undefined:
        return null;
      case 'json':
        try {
          return JSON.parse(payload.kind.value) as JsonValue;
        } catch (error) {
          throw invalidArgument(`${field}.json`, `is not JSON: ${(error as Error).message}`);
        }
      case 'any': {
        const any = payload.kind.value;
        const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
        if (!this.#registry.getMessage(typeName)) {
          throw invalidArgument(
            `${field}.any`,
            `type ${any.typeUrl || '(empty)'} is not registered with the server`,
            {
              typeUrl: any.typeUrl,
            },
          );
        }
        try {
          return toJson(AnySchema, any, { registry: this.#registry }) as JsonValue;
        } catch (error) {
          throw invalidArgument(
            `${field}.any`,
            `does not decode as ${typeName}: ${(error as Error).message}`,
          );
        }
      }
    }
  }

  /** A payload for stored JSON: an `Any` when asked and the JSON names a registered type. */
  encode(data: JsonValue, preferAny: boolean): Payload {
    if (preferAny && isTyped(data) && this.#registry.getMessage(typeNameOf(data['@type']))) {
      try {
        const any = fromJson(AnySchema, data as ProtoJson, { registry: this.#registry });
        return create(PayloadSchema, { kind: { case: 'any', value: any } });
      } catch {
        // Stored before the type changed shape: fall back to JSON, which always works.
      }
    }
    return create(PayloadSchema, { kind: { case: 'json', value: JSON.stringify(data) } });
  }
}

function isTyped(data: JsonValue): data is { '@type': string } & Record<string, JsonValue> {
  return (
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    typeof data['@type'] === 'string'
  );
}

function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}
