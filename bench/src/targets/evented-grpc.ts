import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventedClient } from '@evented/grpc';
import type { ServiceProcess } from './service-process.js';
import { startService } from './service-process.js';
import type { CommandServer, ServerTargetInfo, TargetName } from './target.js';
import { TargetUnavailable } from './target.js';

// Both paths hold from bench/src/targets (vitest) and bench/dist/targets (the built bench).
/** The `evented` CLI as `npm run build` leaves it. */
const CLI = fileURLToPath(new URL('../../../packages/server/dist/cli.js', import.meta.url));
/** The bank's account logic as a gRPC service (`src/business-logic-service.ts`), built. */
const LOGIC = fileURLToPath(new URL('../../dist/business-logic-service.js', import.meta.url));

const built = (path: string): string => {
  if (!existsSync(path)) throw new TargetUnavailable(`${path} is not built (npm run build)`);
  return path;
};

const isListening = (line: Record<string, unknown>): boolean =>
  line['msg'] === 'evented listening' && typeof line['grpc'] === 'string';

/**
 * Starts `evented serve` on the SQLite file `path`, default durability (`synchronous=FULL`),
 * gRPC on a free loopback port, no HTTP; `extra` adds flags.
 */
function startEvented(path: string, extra: readonly string[]): Promise<ServiceProcess> {
  const flags = ['--listen', '127.0.0.1:0', '--http', 'off', '--store', `sqlite:${path}`];
  return startService(
    'evented serve',
    built(CLI),
    ['serve', ...flags, '--synchronous', 'full', ...extra],
    isListening,
  );
}

/**
 * A client of the server's address, and the processes to stop (in this order) on close.
 * The client's one HTTP/2 connection is opened untimed, with one read.
 */
async function connect(
  processes: readonly ServiceProcess[],
  describe: string,
): Promise<CommandServer> {
  const server = processes[0]!;
  const client = new EventedClient(String(server.ready['grpc']));
  await client.readStream({ domain: 'account', aggregateId: 'warm-up' });
  const problems: string[] = [];
  let peakRss = '';
  return {
    async dispatch(command) {
      return (await client.dispatch(command)).version;
    },
    readStream: (stream) => client.readStream(stream),
    get notes() {
      const connection = 'the connection opened untimed with one read';
      return [describe, connection, peakRss, ...problems].filter(Boolean).join('; ');
    },
    async close() {
      client.close();
      const rss = processes.map((p) => [p.what, p.peakRssMb()] as const);
      if (rss.every(([, mb]) => mb !== undefined)) {
        peakRss = `peak RSS of ${rss.map(([what, mb]) => `${what} ${mb} MB`).join(', ')}`;
      }
      for (const p of processes) {
        const problem = await p.stop();
        if (problem) problems.push(problem);
      }
    },
  };
}

/** `evented serve` running the bank example in-process; `callers` send commands at once. */
function inProcess(name: TargetName, callers: number): ServerTargetInfo {
  return {
    name,
    database: 'sqlite',
    role: 'evented',
    kind: 'server',
    callers,
    async open(path) {
      const server = await startEvented(path, ['--example', 'bank']);
      try {
        return await connect(
          [server],
          'server: a separate `evented serve` process with the bank example in-process ' +
            '(the account decider, and its balances projector and transfers saga following live)',
        );
      } catch (error) {
        await server.stop();
        throw error;
      }
    },
  };
}

export const eventedGrpcC1 = inProcess('evented-grpc-c1', 1);
export const eventedGrpcC16 = inProcess('evented-grpc-c16', 16);

/**
 * `evented serve` with the account logic in a separate TypeScript gRPC service process
 * (`serveBusinessLogic({ account })`), configured by a YAML file with `example: none`.
 */
export const eventedGrpcRemoteC16: ServerTargetInfo = {
  name: 'evented-grpc-remote-c16',
  database: 'sqlite',
  role: 'evented',
  kind: 'server',
  callers: 16,
  async open(path) {
    const logic = await startService(
      'the business logic service',
      built(LOGIC),
      [],
      (line) => typeof line['address'] === 'string',
    );
    const started: ServiceProcess[] = [logic];
    try {
      const config = join(dirname(path), 'evented.yaml');
      const address = String(logic.ready['address']);
      const yaml = ['example: none', 'domains:', `  account: { address: "${address}" }`, ''];
      await writeFile(config, yaml.join('\n'));
      const server = await startEvented(path, ['--config', config]);
      started.unshift(server);
      return await connect(
        started,
        'server: a separate `evented serve` process (example: none) calling the account ' +
          'decider in a third process, a TypeScript BusinessLogicService, over loopback gRPC',
      );
    } catch (error) {
      for (const p of started) await p.stop();
      throw error;
    }
  },
};
