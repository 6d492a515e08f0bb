import type { ProcessorLag, ReplayProgress } from '@evented/core';
import type { RemoteProcessorFailure, RemoteProcessorStatus } from '@evented/grpc';
import { print, toJsonLine } from './format-event.js';

/** A lag in events for people: `1234`, or `>=100000` past the counting cap. */
export function lagEvents(lag: ProcessorLag): string {
  return `${lag.atLeast ? '>=' : ''}${lag.events}`;
}

/** Seconds with one decimal. */
export function seconds(value: number): string {
  return value.toFixed(1);
}

/** A duration for people: `45s`, `3m12s`, `2h05m`. */
export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `CODE at position P (domain/id Type) after N attempts: message`. */
export function failureLine(failure: RemoteProcessorFailure): string {
  const event = failure.eventId
    ? ` (${failure.domain}/${failure.aggregateId} ${failure.eventType})`
    : '';
  return (
    `${failure.code ?? 'ERROR'} at position ${failure.position}${event} ` +
    `after ${failure.attempts} attempts: ${failure.message}`
  );
}

/** Replay progress for people: `452000/1000000 (45.2%), 452000 handled, 9000/s, eta 1m01s`. */
export function replayLine(replay: ReplayProgress): string {
  const percent =
    replay.target === 0n ? 100 : Number((replay.position * 1000n) / replay.target) / 10;
  const eta = replay.etaSeconds === undefined ? '' : `, eta ${duration(replay.etaSeconds)}`;
  return (
    `${replay.position}/${replay.target} (${percent.toFixed(1)}%), ` +
    `${replay.eventsHandled} handled, ${Math.round(replay.eventsPerSecond)}/s${eta}`
  );
}

/** The rows of `evented processors list`. */
export function processorRows(processors: readonly RemoteProcessorStatus[]) {
  return processors.map((processor) => ({
    name: processor.name,
    kind: processor.kind,
    state: processor.state,
    checkpoint: processor.checkpoint.toString(),
    head: processor.head.toString(),
    lag: lagEvents(processor.lag),
    'lag-s': seconds(processor.lag.seconds),
    'events/s': Math.round(processor.eventsPerSecond).toString(),
    failure: processor.failure ? failureLine(processor.failure) : '',
  }));
}

/** Prints `evented processors status <name>`: the processor, then a table of its segments. */
export function printProcessor(processor: RemoteProcessorStatus, json: boolean | undefined): void {
  if (json) return print(toJsonLine(processor));
  const fields: [string, string][] = [
    ['name', processor.name],
    ['kind', processor.kind],
    ['state', processor.state],
    ['node', processor.node ?? ''],
    ['checkpoint', processor.checkpoint.toString()],
    ['head', processor.head.toString()],
    ['lag', `${lagEvents(processor.lag)} events, ${seconds(processor.lag.seconds)} s`],
    [
      'rate',
      `${processor.eventsPerSecond.toFixed(1)} events/s (${processor.eventsHandled} handled here)`,
    ],
    ['segments', processor.segmentCount.toString()],
  ];
  if (processor.replay) fields.push(['replay', replayLine(processor.replay)]);
  if (processor.failure) fields.push(['failure', failureLine(processor.failure)]);
  const width = Math.max(...fields.map(([label]) => label.length));
  for (const [label, value] of fields) print(`${label.padEnd(width)}  ${value}`.trimEnd());
  if (processor.segments.length === 0) return;
  print('');
  printTable(
    ['segment', 'owner', 'state', 'checkpoint', 'lag', 'lag-s', 'failure'],
    processor.segments.map((segment) => ({
      segment: segment.segment.toString(),
      owner: segment.owner ?? '-',
      state: segment.state ?? '-',
      checkpoint: segment.checkpoint.toString(),
      lag: lagEvents(segment.lag),
      'lag-s': seconds(segment.lag.seconds),
      failure: segment.failure ? failureLine(segment.failure) : '',
    })),
  );
}

/** Prints rows under a header, in columns as wide as their widest cell. */
export function printTable<Key extends string>(
  columns: readonly Key[],
  rows: readonly Record<Key, string>[],
): void {
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  print(line(columns));
  for (const row of rows) print(line(columns.map((column) => row[column])));
}
