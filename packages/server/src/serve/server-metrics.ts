import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Evented, ProcessorReport, ProcessorState } from '@evented/core';

const STATES: readonly ProcessorState[] = [
  'starting',
  'catching-up',
  'live',
  'error',
  'stopped',
  'standby',
];

/** How long one read of the processors' reports serves the gauges of a scrape. */
const REPORT_TTL_MS = 1_000;

/** The names of gRPC status codes 0 to 16, as the gRPC specification has them. */
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/**
 * The server's Prometheus metrics: Node's process metrics, gRPC calls by method and status
 * code with their durations, appended events, and per processor its checkpoint, state,
 * position, lag in events and seconds, and events handled. The processor gauges carry
 * `processor` and `segment`: `segment=""` is the whole processor (lowest checkpoint, lag
 * from it, events of every segment here), and a segmented processor adds one series per
 * segment this node works.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #calls: Counter<'method' | 'code'>;
  readonly #durations: Histogram<'method'>;
  readonly #appended: Counter<'domain'>;
  #evented: Evented | undefined;
  #reports: { at: number; reports: Promise<ProcessorReport[]> } | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.#calls = new Counter({
      name: 'evented_grpc_calls_total',
      help: 'gRPC calls finished, by method and status code',
      labelNames: ['method', 'code'],
      registers,
    });
    this.#durations = new Histogram({
      name: 'evented_grpc_call_duration_seconds',
      help: 'How long gRPC calls took, by method (subscriptions: how long they lasted)',
      labelNames: ['method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#appended = new Counter({
      name: 'evented_events_appended_total',
      help: 'Events appended through this server, by domain',
      labelNames: ['domain'],
      registers,
    });
    const processors = () => this.#evented?.processors() ?? [];
    // A store that cannot be read now leaves these gauges out of the scrape, not the others.
    const reports = () => this.#processorReports().catch(() => [] as ProcessorReport[]);
    const perSegment = (
      gauge: { set(labels: Record<string, string>, value: number): void },
      value: (report: ProcessorReport, segment?: number) => number | undefined,
    ) =>
      reports().then((all) => {
        for (const report of all) {
          const whole = value(report);
          if (whole !== undefined) gauge.set({ processor: report.name, segment: '' }, whole);
          if ((report.segmentCount ?? 1) < 2) continue;
          for (const segment of report.segments ?? []) {
            const each = value(report, segment.segment);
            if (each !== undefined) {
              gauge.set({ processor: report.name, segment: String(segment.segment) }, each);
            }
          }
        }
      });
    const segmentReport = (report: ProcessorReport, segment: number) =>
      report.segmentReports?.find((each) => each.segment === segment);
    new Gauge({
      name: 'evented_processor_position',
      help: 'The global position fully handled (the checkpoint), by processor and segment',
      labelNames: ['processor', 'segment'],
      registers,
      async collect() {
        this.reset();
        await perSegment(this, (report, segment) => {
          const checkpoint =
            segment === undefined ? report.checkpoint : segmentReport(report, segment)?.checkpoint;
          return checkpoint === undefined ? undefined : Number(checkpoint);
        });
      },
    });
    new Gauge({
      name: 'evented_processor_lag_events',
      help: 'Events in the log after the checkpoint (counted up to a cap), by processor and segment',
      labelNames: ['processor', 'segment'],
      registers,
      async collect() {
        this.reset();
        await perSegment(this, (report, segment) =>
          segment === undefined ? report.lag.events : segmentReport(report, segment)?.lag.events,
        );
      },
    });
    new Gauge({
      name: 'evented_processor_lag_seconds',
      help: 'Age of the first event after the checkpoint (0 when caught up), by processor and segment',
      labelNames: ['processor', 'segment'],
      registers,
      async collect() {
        this.reset();
        await perSegment(this, (report, segment) =>
          segment === undefined ? report.lag.seconds : segmentReport(report, segment)?.lag.seconds,
        );
      },
    });
    new Counter({
      name: 'evented_processor_events_total',
      help: 'Events handled on this node since it started, by processor and segment',
      labelNames: ['processor', 'segment'],
      registers,
      collect() {
        this.reset();
        for (const status of processors()) {
          this.inc({ processor: status.name, segment: '' }, status.eventsHandled);
          if ((status.segmentCount ?? 1) < 2) continue;
          for (const segment of status.segments ?? []) {
            this.inc(
              { processor: status.name, segment: String(segment.segment) },
              segment.eventsHandled,
            );
          }
        }
      },
    });
    new Gauge({
      name: 'evented_processor_checkpoint',
      help: 'The global position each processor has fully handled',
      labelNames: ['processor', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const { name, kind, checkpoint } of processors()) {
          if (checkpoint !== undefined) this.set({ processor: name, kind }, Number(checkpoint));
        }
      },
    });
    new Gauge({
      name: 'evented_processor_state',
      help: 'Each processor state: 1 for the one it is in, 0 for the others',
      labelNames: ['processor', 'kind', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { name, kind, state } of processors()) {
          for (const each of STATES) {
            this.set({ processor: name, kind, state: each }, each === state ? 1 : 0);
          }
        }
      },
    });
  }

  /** The `onCall` observer of the gRPC server. */
  readonly observeCall = (method: string, code: number, durationMs: number): void => {
    const path = method.replace(/^\//, '');
    this.#calls.inc({ method: path, code: STATUS_NAMES[code] ?? String(code) });
    this.#durations.observe({ method: path }, durationMs / 1000);
  };

  /** The processors' reports, read once for the gauges of one scrape. */
  #processorReports(): Promise<ProcessorReport[]> {
    const evented = this.#evented;
    if (!evented) return Promise.resolve([]);
    const now = Date.now();
    if (!this.#reports || now - this.#reports.at > REPORT_TTL_MS) {
      const reports = evented.processorReports();
      // A failed read is not kept: the next scrape tries again.
      reports.catch(() => (this.#reports = undefined));
      this.#reports = { at: now, reports };
    }
    return this.#reports.reports;
  }

  /** Reads processor status from `evented` and counts its appends; returns the undo. */
  watch(evented: Evented): () => void {
    this.#evented = evented;
    const unsubscribe = evented.subscribe((events) => {
      for (const event of events) this.#appended.inc({ domain: event.domain });
    });
    return () => {
      unsubscribe();
      this.#evented = undefined;
    };
  }
}
