import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type {
  Position,
  ProcessorFailure as CoreFailure,
  ProcessorLag,
  ProcessorReport,
  ProcessorState as CoreState,
  ReplayProgress,
} from '@evented/core';
import type {
  Lag,
  ProcessorFailure,
  ProcessorStatus,
  ProcessorStatusSchema,
} from '../gen/evented/v1/admin_pb.js';
import { ProcessorState } from '../gen/evented/v1/admin_pb.js';

const STATES: Record<CoreState, ProcessorState> = {
  starting: ProcessorState.STARTING,
  'catching-up': ProcessorState.CATCHING_UP,
  live: ProcessorState.LIVE,
  error: ProcessorState.ERROR,
  stopped: ProcessorState.STOPPED,
  standby: ProcessorState.STANDBY,
};

const CORE_STATES = new Map(
  Object.entries(STATES).map(([core, proto]) => [proto, core as CoreState]),
);

/** The event a processor stopped at, as a client sees it. */
export interface RemoteProcessorFailure {
  readonly message: string;
  readonly code: string | undefined;
  readonly eventId: string;
  readonly eventType: string;
  readonly position: Position;
  readonly domain: string;
  readonly aggregateId: string;
  readonly attempts: number;
  readonly at: Date | undefined;
}

/** One segment of a processor as the server reports it. */
export interface RemoteSegmentStatus {
  readonly segment: number;
  /** The node holding its claim, if the lease is live; undefined when nobody does. */
  readonly owner: string | undefined;
  readonly leaseExpiresAt: Date | undefined;
  /** Its state on the server asked; undefined when another node works it. */
  readonly state: CoreState | undefined;
  readonly checkpoint: Position;
  readonly lag: ProcessorLag;
  readonly failure: RemoteProcessorFailure | undefined;
}

/** A processor's status as the server reports it: state, checkpoint, head, lag, rate, segments. */
export interface RemoteProcessorStatus {
  readonly name: string;
  readonly kind: string;
  readonly state: CoreState;
  readonly checkpoint: Position;
  readonly failure: RemoteProcessorFailure | undefined;
  readonly head: Position;
  readonly lag: ProcessorLag;
  readonly eventsHandled: number;
  readonly eventsPerSecond: number;
  readonly node: string | undefined;
  readonly segmentCount: number;
  /** Every segment of a segmented or shared processor; empty otherwise. */
  readonly segments: readonly RemoteSegmentStatus[];
  readonly replay: ReplayProgress | undefined;
}

/** A processor's report on the wire. */
export function toProtoProcessor(
  report: ProcessorReport,
): MessageInitShape<typeof ProcessorStatusSchema> {
  return {
    name: report.name,
    kind: report.kind,
    state: STATES[report.state],
    checkpoint: report.checkpoint ?? 0n,
    ...(report.failure && { failure: toProtoFailure(report.failure) }),
    head: report.head,
    lag: toProtoLag(report.lag),
    eventsHandled: BigInt(report.eventsHandled),
    eventsPerSecond: report.eventsPerSecond,
    node: report.node ?? '',
    segmentCount: report.segmentCount ?? 1,
    segments: (report.segmentReports ?? []).map((segment) => ({
      segment: segment.segment,
      owner: segment.owner ?? '',
      ...(segment.leaseExpiresAt && { leaseExpiresAt: timestampFromDate(segment.leaseExpiresAt) }),
      state: segment.state === undefined ? ProcessorState.UNSPECIFIED : STATES[segment.state],
      checkpoint: segment.checkpoint ?? 0n,
      lag: toProtoLag(segment.lag),
      ...(segment.failure && { failure: toProtoFailure(segment.failure) }),
    })),
    ...(report.replay && {
      replay: {
        target: report.replay.target,
        position: report.replay.position,
        eventsHandled: BigInt(report.replay.eventsHandled),
        eventsPerSecond: report.replay.eventsPerSecond,
        ...(report.replay.etaSeconds !== undefined && { etaSeconds: report.replay.etaSeconds }),
      },
    }),
  };
}

/** A processor's status from the wire. */
export function fromProtoProcessor(processor: ProcessorStatus): RemoteProcessorStatus {
  return {
    name: processor.name,
    kind: processor.kind,
    state: CORE_STATES.get(processor.state) ?? 'stopped',
    checkpoint: processor.checkpoint,
    failure: fromProtoFailure(processor.failure),
    head: processor.head,
    lag: fromProtoLag(processor.lag),
    eventsHandled: Number(processor.eventsHandled),
    eventsPerSecond: processor.eventsPerSecond,
    node: processor.node || undefined,
    segmentCount: processor.segmentCount,
    segments: processor.segments.map((segment) => ({
      segment: segment.segment,
      owner: segment.owner || undefined,
      leaseExpiresAt: dateOf(segment.leaseExpiresAt),
      state: CORE_STATES.get(segment.state),
      checkpoint: segment.checkpoint,
      lag: fromProtoLag(segment.lag),
      failure: fromProtoFailure(segment.failure),
    })),
    replay: processor.replay && {
      target: processor.replay.target,
      position: processor.replay.position,
      eventsHandled: Number(processor.replay.eventsHandled),
      eventsPerSecond: processor.replay.eventsPerSecond,
      etaSeconds: processor.replay.etaSeconds,
    },
  };
}

function toProtoLag(lag: ProcessorLag): MessageInitShape<typeof ProcessorStatusSchema>['lag'] {
  return { events: BigInt(lag.events), atLeast: lag.atLeast, seconds: lag.seconds };
}

function fromProtoLag(lag: Lag | undefined): ProcessorLag {
  return {
    events: Number(lag?.events ?? 0n),
    atLeast: lag?.atLeast ?? false,
    seconds: lag?.seconds ?? 0,
  };
}

function toProtoFailure(
  failure: CoreFailure,
): MessageInitShape<typeof ProcessorStatusSchema>['failure'] {
  return {
    message: failure.message,
    code: failure.code ?? '',
    eventId: failure.eventId,
    position: failure.position,
    attempts: failure.attempts,
    eventType: failure.eventType,
    domain: failure.domain,
    aggregateId: failure.aggregateId,
    at: timestampFromDate(failure.at),
  };
}

function fromProtoFailure(
  failure: ProcessorFailure | undefined,
): RemoteProcessorFailure | undefined {
  return (
    failure && {
      message: failure.message,
      code: failure.code || undefined,
      eventId: failure.eventId,
      eventType: failure.eventType,
      position: failure.position,
      domain: failure.domain,
      aggregateId: failure.aggregateId,
      attempts: failure.attempts,
      at: dateOf(failure.at),
    }
  );
}

function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp && timestampDate(timestamp);
}
