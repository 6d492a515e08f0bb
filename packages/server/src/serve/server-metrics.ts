import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Evented, ProcessorState } from '@evented/core';

const STATES: readonly ProcessorState[] = ['starting', 'catching-up', 'live', 'error', 'stopped'];

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
 * code with their durations, each processor's checkpoint and state, and appended events.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #calls: Counter<'method' | 'code'>;
  readonly #durations: Histogram<'method'>;
  readonly #appended: Counter<'domain'>;
  #evented: Evented | undefined;

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
