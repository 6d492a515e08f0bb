import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TargetUnavailable } from './target.js';

/** How long a process may take to say it is ready, and to exit after SIGTERM. */
const READY_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 15_000;

/** A Node.js process the bench started, ready (it printed the line it was waited for). */
export interface ServiceProcess {
  /** What it is, in words: "evented serve". */
  readonly what: string;
  readonly pid: number;
  /** The JSON line that said it was ready. */
  readonly ready: Readonly<Record<string, unknown>>;
  /** Its peak resident memory so far in MB (Linux `VmHWM`), when it can be read. */
  peakRssMb(): number | undefined;
  /**
   * Sends SIGTERM and waits for the exit; SIGKILL if it takes longer than 15 s. Resolves
   * with what went wrong, if anything ("exited with 1", "killed after 15 s").
   */
  stop(): Promise<string | undefined>;
}

/**
 * Starts `node <script> <args>` and waits until it prints a JSON line on stdout that
 * `isReady` accepts. Its stdout is read to the end (a full pipe would block its writes).
 * When it exits before it is ready, the reason is its last error logged on stdout as a JSON
 * line (pino's `level` 50 or more, as `evented serve` logs), or else the end of its stderr. EVENTED_*
 * variables of the bench's environment are not passed on: the arguments alone configure it.
 */
export async function startService(
  what: string,
  script: string,
  args: readonly string[],
  isReady: (line: Record<string, unknown>) => boolean,
): Promise<ServiceProcess> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('EVENTED_')),
  );
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never leave it running when the bench's child process ends early.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const lines = createInterface({ input: child.stdout! });
  let lastLog: string | undefined;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TargetUnavailable(`${what} did not start within ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    lines.on('line', (text) => {
      const line = parseJsonLine(text);
      if (line) lastLog = describeLog(line) ?? lastLog;
      if (line && isReady(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new TargetUnavailable(`${what} could not be started: ${error.message}`));
    });
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      const why = lastLog ?? stderr.trim().split('\n').slice(-3).join(' / ');
      reject(new TargetUnavailable(`${what} exited with ${code ?? signal}${why && `: ${why}`}`));
    });
  }).catch((error: unknown) => {
    process.off('exit', killOnExit);
    throw error;
  });
  const pid = child.pid!;
  return {
    what,
    pid,
    ready,
    peakRssMb() {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
        return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        process.off('exit', killOnExit);
        return `${what} had exited already (${child.exitCode ?? child.signalCode})`;
      }
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, EXIT_TIMEOUT_MS);
      const [code, signal] = await exited;
      clearTimeout(timer);
      process.off('exit', killOnExit);
      if (killed) return `${what} killed: no exit ${EXIT_TIMEOUT_MS / 1000} s after SIGTERM`;
      return code === 0 ? undefined : `${what} exited with ${code ?? signal} after SIGTERM`;
    },
  };
}

function parseJsonLine(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A pino error line in words (`msg: err.message`); undefined for other lines. */
function describeLog(line: Record<string, unknown>): string | undefined {
  if (typeof line['level'] !== 'number' || line['level'] < 50) return undefined;
  const error = (line['err'] as { message?: unknown } | undefined)?.message;
  return [line['msg'], error].filter((part) => typeof part === 'string').join(': ');
}
