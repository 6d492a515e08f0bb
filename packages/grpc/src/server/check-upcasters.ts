import { once } from 'node:events';
import { create } from '@bufbuild/protobuf';
import type { handleServerStreamingCall } from '@grpc/grpc-js';
import type { Evented, UpcasterCheckReport } from '@evented/core';
import type { CheckUpcastersResponse } from '../gen/evented/v1/admin_pb.js';
import {
  CheckUpcastersRequestSchema,
  CheckUpcastersResponseSchema,
} from '../gen/evented/v1/admin_pb.js';
import type { Authorize } from './call-handlers.js';
import { serverStreaming } from './call-handlers.js';

/**
 * AdminService.CheckUpcasters: walks the server's log as stored with the server's
 * upcasters (`Evented.checkUpcasters`) and streams each failure, progress after each page,
 * and a last `done`. Ends with UNAVAILABLE once `shutdown` aborts.
 */
export function checkUpcastersCall(
  evented: Evented,
  authorize: Authorize,
  shutdown?: AbortSignal,
): handleServerStreamingCall<Buffer, CheckUpcastersResponse> {
  return serverStreaming(
    CheckUpcastersRequestSchema,
    authorize,
    async (request, call, signal) => {
      const reports = evented.checkUpcasters({
        after: request.after,
        ...(request.pageSize !== 0 && { pageSize: request.pageSize }),
        signal,
      });
      for await (const report of reports) {
        // Respect the client's pace: wait for the buffer to drain before writing on.
        if (!call.write(toProto(report)))
          await Promise.race([once(call, 'drain'), once(signal, 'abort')]);
        if (signal.aborted) return;
      }
    },
    shutdown,
  );
}

function toProto(report: UpcasterCheckReport): CheckUpcastersResponse {
  if (report.kind === 'failure') {
    const { event, error } = report;
    return create(CheckUpcastersResponseSchema, {
      message: {
        case: 'failure',
        value: {
          eventId: event.id,
          domain: event.domain,
          aggregateId: event.aggregateId,
          version: BigInt(event.version),
          position: event.position,
          type: event.type,
          schemaVersion: event.schemaVersion,
          message: error.message,
        },
      },
    });
  }
  const progress = {
    checked: BigInt(report.checked),
    failed: BigInt(report.failed),
    position: report.position,
    head: report.head,
  };
  return create(CheckUpcastersResponseSchema, {
    message:
      report.kind === 'done'
        ? { case: 'done', value: progress }
        : { case: 'progress', value: progress },
  });
}
