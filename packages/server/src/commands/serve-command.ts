import { Command, Option } from 'commander';
import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';
import { isEventedError } from '@evented/core';
import { isLoopback, parseHostPort } from '../config/address.js';
import type { ServeFlags } from '../config/config-sources.js';
import { resolveServerConfig } from '../config/resolve-config.js';
import { describeStore, parseStore } from '../config/store-location.js';
import type { ServerConfig } from '../config/server-config.js';
import { defaultServerConfig } from '../config/server-config.js';
import { startEventedServer } from '../serve/evented-server.js';
import { stopOnSignals } from './stop-on-signals.js';

/** `evented serve`: resolve the configuration, run the server until SIGTERM or SIGINT. */
export function serveCommand(): Command {
  const d = defaultServerConfig;
  return new Command('serve')
    .description(
      'serve gRPC, /metrics and /healthz; settings from flags, then EVENTED_* variables, ' +
        'then the YAML file, then defaults',
    )
    .option('-c, --config <file>', 'a YAML config file (EVENTED_CONFIG)')
    .option('--listen <host:port>', `gRPC address (EVENTED_LISTEN; default ${d.listen})`)
    .option('--http <host:port|off>', `metrics and health (EVENTED_HTTP; default ${d.http})`)
    .option(
      '--store <store>',
      `memory, sqlite:<path>, postgres://... or redis://... (EVENTED_STORE; default ${d.store})`,
    )
    .option('--postgres-schema <name>', 'PostgreSQL schema of the tables (default evented)')
    .option('--redis-prefix <prefix>', 'prefix of the Redis keys (default evented:)')
    .addOption(new Option('--synchronous <mode>', 'SQLite durability').choices(['full', 'normal']))
    .option('--token <token>', 'bearer token every gRPC call must carry (EVENTED_TOKEN)')
    .option('--max-message-bytes <n>', `largest gRPC message (default ${d.maxMessageBytes})`)
    .option('--allow-remote', 'allow listening on non-loopback addresses (EVENTED_ALLOW_REMOTE)')
    .option('--tls-cert <file>', "the server's certificate (PEM)")
    .option('--tls-key <file>', "the server's private key (PEM)")
    .option('--tls-client-ca <file>', 'require client certificates signed by this CA')
    .option('--example <bank|none>', 'the bank example in-process (default: bank without domains)')
    .option('--log-level <level>', `pino level (EVENTED_LOG_LEVEL; default ${d.logLevel})`)
    .option('--node-id <id>', 'this server among those sharing processors (EVENTED_NODE_ID)')
    .option('--segments <n>', 'segments of every processor, shared by the servers on one store')
    .addOption(
      new Option('--on-poison <policy>', 'an event that keeps failing: stop, or park it').choices([
        'stop',
        'park',
      ]),
    )
    .option('--upcasters <module>', 'an ES module exporting the upcasters of stored events')
    .action(async (flags: ServeFlags) => {
      let config: ServerConfig;
      try {
        config = resolveServerConfig({ flags });
      } catch (error) {
        if (!isEventedError(error, 'CONFIGURATION')) throw error;
        process.stderr.write(`evented serve: ${error.message}\n`);
        process.exit(2);
      }
      await serve(config);
    });
}

/** The store for the log: its kind and place, never a password from a connection string. */
function describeConfiguredStore(store: string): string {
  const location = parseStore(store);
  return 'problem' in location ? 'invalid' : describeStore(location);
}

async function serve(config: ServerConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const server = await startEventedServer(config, logger).catch((error: unknown) => {
    logger.error({ err: error }, 'evented could not start');
    process.exit(isEventedError(error, 'CONFIGURATION') ? 2 : 1);
  });
  const host = parseHostPort(config.listen)?.host ?? '';
  if (config.token !== undefined && !config.tls && !isLoopback(host)) {
    logger.warn({ listen: config.listen }, 'the token travels in clear text: configure tls');
  }
  logger.info(
    {
      grpc: server.grpcAddress,
      http: server.httpAddress ?? 'off',
      store: describeConfiguredStore(config.store),
      example: config.example,
      domains: Object.keys(config.domains),
      processors: server.evented.processors().map(({ name, kind }) => `${kind} ${name}`),
      tls: config.tls ? (config.tls.clientCa ? 'mutual' : 'server') : 'off',
      token: config.token !== undefined,
    },
    'evented listening',
  );
  stopOnSignals(() => server.close(), logger);
}

/**
 * The server's logger: pino, one JSON object per line on stdout, written synchronously so
 * that the last lines before an exit are not lost.
 */
function createLogger(level: ServerConfig['logLevel']): PinoLogger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: true }),
  );
}
