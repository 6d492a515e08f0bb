import { create, toBinary } from '@bufbuild/protobuf';
import type { EventFilter, Projector, RecordedEvent } from '@evented/core';
import { ServiceClient } from '../client/channel.js';
import { toProtoEvent } from '../convert/events.js';
import { PayloadCodec } from '../convert/payload-codec.js';
import type { Event } from '../gen/evented/v1/types_pb.js';
import { EventSchema } from '../gen/evented/v1/types_pb.js';
import { ProjectorService, ProjectRequestSchema } from '../gen/evented/v1/projector_pb.js';
import type { RemoteServiceOptions } from './remote-options.js';
import { defaultRemoteServiceOptions } from './remote-options.js';

/** Options of {@link remoteProjector}. */
export interface RemoteProjectorOptions extends RemoteServiceOptions {
  readonly filter?: EventFilter;
}

/** A projector in another process; `close` ends its channel. */
export interface RemoteProjector extends Projector {
  close(): void;
}

/**
 * A projector served by a `ProjectorService` at `address`: the server's processor pushes
 * each page of events in `Project` calls that fit the message size, and moves the
 * checkpoint it keeps for the projector once they succeed. While the service is down the
 * processor keeps retrying with backoff (up to 5 s apart), so the projector catches up
 * when it returns and never blocks other processors or commands.
 */
export function remoteProjector(
  name: string,
  address: string,
  options: RemoteProjectorOptions = {},
): RemoteProjector {
  const client = new ServiceClient(ProjectorService, address, options);
  const codec = new PayloadCodec();
  const deadlineMs = options.deadlineMs ?? defaultRemoteServiceOptions.deadlineMs;
  const budget = Math.floor((options.maxMessageBytes ?? 4 * 1024 * 1024) * 0.9);
  const send = async (events: readonly RecordedEvent[]): Promise<void> => {
    for (const chunk of chunksUnder(
      events.map((event) => toProtoEvent(event, codec, false)),
      budget,
    )) {
      await client.unary(
        'project',
        create(ProjectRequestSchema, { processor: name, events: chunk }),
        deadlineMs,
      );
    }
  };
  return {
    name,
    ...(options.filter && { filter: options.filter }),
    processorOptions: { maxAttempts: Number.POSITIVE_INFINITY, batchSize: 200 },
    handle: (event) => send([event]),
    handleBatch: send,
    close: () => client.close(),
  };
}

/** Splits events into runs whose encoded size stays under `budget` bytes (one event at least). */
function* chunksUnder(events: Event[], budget: number): Generator<Event[]> {
  let chunk: Event[] = [];
  let size = 0;
  for (const event of events) {
    const bytes = toBinary(EventSchema, event).length + 8;
    if (chunk.length > 0 && size + bytes > budget) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(event);
    size += bytes;
  }
  if (chunk.length > 0) yield chunk;
}
