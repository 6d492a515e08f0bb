import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { EventedError } from '@evented/core';

/**
 * Settings from one source, and where each came from (by dotted path, `tls.cert`), so that
 * an error can say which flag, variable or file to fix.
 */
export interface ConfigLayer {
  readonly values: Readonly<Record<string, unknown>>;
  readonly origins: Readonly<Record<string, string>>;
}

/** The flags of `evented serve`, as commander gives them. */
export interface ServeFlags {
  readonly config?: string;
  readonly listen?: string;
  readonly http?: string;
  readonly store?: string;
  readonly postgresSchema?: string;
  readonly redisPrefix?: string;
  readonly synchronous?: string;
  readonly token?: string;
  readonly maxMessageBytes?: string;
  readonly allowRemote?: boolean;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsClientCa?: string;
  readonly example?: string;
  readonly logLevel?: string;
  readonly nodeId?: string;
  readonly segments?: string;
  readonly onPoison?: string;
  readonly upcasters?: string;
}

/** The environment variables `evented serve` reads, by setting. */
export const configEnvironment = {
  listen: 'EVENTED_LISTEN',
  http: 'EVENTED_HTTP',
  store: 'EVENTED_STORE',
  token: 'EVENTED_TOKEN',
  logLevel: 'EVENTED_LOG_LEVEL',
  allowRemote: 'EVENTED_ALLOW_REMOTE',
  nodeId: 'EVENTED_NODE_ID',
} as const;

/** Reads a YAML config file; fails with CONFIGURATION naming the file and the line. */
export function readConfigFile(path: string): ConfigLayer {
  const fail = (problem: string, cause?: unknown): never => {
    throw new EventedError('CONFIGURATION', `config file ${path}: ${problem}`, { path }, { cause });
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
  let values: unknown;
  try {
    values = parse(text) ?? {};
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    fail(`is not valid YAML: ${error.message.split('\n')[0]}`, error);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    fail('expected a mapping of settings such as "listen: 127.0.0.1:50051"');
  }
  const record = values as Record<string, unknown>;
  return { values: record, origins: originsOf(record, `config file ${path}`) };
}

/** The settings given by environment variables; empty variables count as unset. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigLayer {
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  for (const [key, name] of Object.entries(configEnvironment)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    values[key] = key === 'allowRemote' ? parseBoolean(value) : value;
    origins[key] = name;
  }
  return { values, origins };
}

/** The settings given by flags. */
export function configFromFlags(flags: ServeFlags): ConfigLayer {
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  const set = (path: string, value: unknown, flag: string): void => {
    if (value === undefined) return;
    const [key, field] = path.split('.') as [string, string | undefined];
    if (field === undefined) values[key] = value;
    else values[key] = { ...(values[key] as object | undefined), [field]: value };
    origins[path] = flag;
  };
  set('listen', flags.listen, '--listen');
  set('http', flags.http, '--http');
  set('store', flags.store, '--store');
  set('postgresSchema', flags.postgresSchema, '--postgres-schema');
  set('redisPrefix', flags.redisPrefix, '--redis-prefix');
  set('synchronous', flags.synchronous, '--synchronous');
  set('token', flags.token, '--token');
  set('maxMessageBytes', integerOrText(flags.maxMessageBytes), '--max-message-bytes');
  set('allowRemote', flags.allowRemote, '--allow-remote');
  set('tls.cert', flags.tlsCert, '--tls-cert');
  set('tls.key', flags.tlsKey, '--tls-key');
  set('tls.clientCa', flags.tlsClientCa, '--tls-client-ca');
  set('example', flags.example, '--example');
  set('logLevel', flags.logLevel, '--log-level');
  set('nodeId', flags.nodeId, '--node-id');
  set('processors.segments', integerOrText(flags.segments), '--segments');
  set('processors.onPoison', flags.onPoison, '--on-poison');
  set('upcasters', flags.upcasters, '--upcasters');
  return { values, origins };
}

function originsOf(values: Record<string, unknown>, origin: string): Record<string, string> {
  return Object.fromEntries(Object.keys(values).map((key) => [key, origin]));
}

/** `true`/`false` (and 1/0, yes/no); anything else stays text for the schema to refuse. */
function parseBoolean(value: string): boolean | string {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  return value;
}

function integerOrText(value: string | undefined): number | string | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : value;
}
