import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built CLI: end-to-end tests run what ships. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const children = new Set<ChildProcess>();

/** This process's environment without EVENTED_* variables, plus `env`. */
function environment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = Object.entries(process.env).filter(([name]) => !name.startsWith('EVENTED_'));
  return { ...Object.fromEntries(clean), ...env };
}

/** Kills every server a test left running; call in `afterEach`. */
export async function killServers(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      children.delete(child);
    }),
  );
}

/** A running `evented serve`. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** The addresses from the `evented listening` log line. */
  readonly grpc: string;
  readonly http: string;
  /** Every log line so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Sends `signal` and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/** Starts `evented serve <args>` and waits for its `evented listening` line. */
export async function serve(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: environment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry['msg'] === 'evented listening') resolve(entry);
    });
    void exited.then(([code]) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const line = await listening;
  return {
    child,
    grpc: String(line['grpc']),
    http: String(line['http']),
    logs,
    async stop(signal = 'SIGTERM') {
      const started = Date.now();
      child.kill(signal);
      const [code] = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

/** A long-running CLI command, such as `events --follow`. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** The lines printed on stdout so far. */
  readonly lines: string[];
  readonly exited: Promise<number | null>;
}

/** Starts `evented <args>` without waiting for its end; `killServers` ends it too. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: environment(env),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  const exited = (once(child, 'exit') as Promise<[number | null]>).then(([code]) => code);
  return { child, lines, exited };
}

/** What a CLI run printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `evented <args>` to its end. */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: environment(env), timeout: 15_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
