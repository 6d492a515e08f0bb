import { create } from '@bufbuild/protobuf';
import type { RecordedEvent } from '@evented/core';
import { fromProtoEvent } from '../convert/events.js';
import { PayloadCodec } from '../convert/payload-codec.js';
import {
  ProjectorService,
  ProjectRequestSchema,
  ProjectResponseSchema,
} from '../gen/evented/v1/projector_pb.js';
import { unary } from '../server/call-handlers.js';
import type { ServedService, ServeOptions } from './start-server.js';
import { startServer } from './start-server.js';

/**
 * Serves a projector as a `ProjectorService`. The evented server pushes events in order
 * and at least once: `project` should skip events at or below the last position it applied
 * (keep that position with the read model) to apply each exactly once.
 */
export function serveProjector(
  project: (events: readonly RecordedEvent[], processor: string) => void | Promise<void>,
  options: ServeOptions = {},
): Promise<ServedService> {
  const codec = new PayloadCodec();
  return startServer(
    ProjectorService,
    {
      project: unary(
        ProjectRequestSchema,
        () => {},
        async (request) => {
          await project(
            request.events.map((event) => fromProtoEvent(event, codec)),
            request.processor,
          );
          return create(ProjectResponseSchema);
        },
      ),
    },
    options,
  );
}
