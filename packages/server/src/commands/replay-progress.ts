import { setTimeout as sleep } from 'node:timers/promises';
import type { Position } from '@evented/core';
import { EventedError } from '@evented/core';
import type { EventedClient, RemoteProcessorStatus } from '@evented/grpc';
import { duration, failureLine, replayLine } from './format-processor.js';

/** How often the status is asked for while following a replay. */
const POLL_MS = 250;
/** How often a line is printed when the output is not a terminal (a log, CI). */
const LINE_EVERY_MS = 2_000;
const BAR_WIDTH = 30;

/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Follows a processor's replay until its checkpoint reaches `replayUntil`: on a terminal a
 * progress bar redrawn in place, otherwise a plain line every two seconds. Fails with
 * `PROCESSOR_FAILED` if the processor stops at an event, `CLOSED` if it is stopped.
 * Resolves with the last status.
 */
export async function followReplay(
  client: EventedClient,
  name: string,
  replayUntil: Position,
  output: ProgressOutput = process.stderr,
): Promise<RemoteProcessorStatus> {
  const tty = output.isTTY === true;
  const started = Date.now();
  let printedAt = 0;
  for (;;) {
    const status = await client.processor(name);
    const done = status.checkpoint >= replayUntil;
    const now = Date.now();
    if (tty) output.write(`\r${bar(status, replayUntil)}\u001b[K${done ? '\n' : ''}`);
    else if (done || now - printedAt >= LINE_EVERY_MS) {
      output.write(`${name}: ${progressText(status, replayUntil)}\n`);
      printedAt = now;
    }
    if (done) return status;
    if (status.state === 'error') {
      if (tty) output.write('\n');
      throw new EventedError(
        'PROCESSOR_FAILED',
        `the replay of ${name} stopped after ${duration((now - started) / 1000)}: ` +
          (status.failure ? failureLine(status.failure) : 'in the error state'),
        { processor: name },
      );
    }
    if (status.state === 'stopped') {
      if (tty) output.write('\n');
      throw new EventedError('CLOSED', `processor ${name} is stopped; its replay will not end`, {
        processor: name,
      });
    }
    await sleep(POLL_MS);
  }
}

function progressText(status: RemoteProcessorStatus, replayUntil: Position): string {
  if (status.replay) return replayLine(status.replay);
  // Done, or not picked up yet by the segments: go by the checkpoint.
  const position = status.checkpoint < replayUntil ? status.checkpoint : replayUntil;
  const percent = replayUntil === 0n ? 100 : Number((position * 1000n) / replayUntil) / 10;
  return `${position}/${replayUntil} (${percent.toFixed(1)}%)`;
}

function bar(status: RemoteProcessorStatus, replayUntil: Position): string {
  const position = status.checkpoint < replayUntil ? status.checkpoint : replayUntil;
  const filled =
    replayUntil === 0n ? BAR_WIDTH : Number((position * BigInt(BAR_WIDTH)) / replayUntil);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${progressText(status, replayUntil)}`;
}
