import { z } from 'zod';
import { assertValidId } from '@evented/core/internal';
import { parseHostPort } from './address.js';
import { parseStore } from './store-location.js';

/** The settings of `evented serve` that have defaults, and their values. */
export const defaultServerConfig = {
  listen: '127.0.0.1:50051',
  http: '127.0.0.1:9464',
  store: 'sqlite:./data/evented.db',
  synchronous: 'full',
  maxMessageBytes: 4 * 1024 * 1024,
  allowRemote: false,
  logLevel: 'info',
} as const;

const address = z.string().refine((value) => parseHostPort(value) !== undefined, {
  error: (issue) =>
    `expected host:port such as 127.0.0.1:50051 or [::1]:50051, found ${JSON.stringify(issue.input)}`,
});

const path = z.string().min(1, { error: 'expected a file path' });

/** An id as core's grammar has it: a domain or a processor name. */
const id = z.string().superRefine((value, context) => {
  try {
    assertValidId('name', value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const filter = z.strictObject({
  domains: z.array(z.string()).optional(),
  types: z.array(z.string()).optional(),
});

const remoteDomain = z.strictObject({
  /** The `host:port` of a BusinessLogicService serving this domain. */
  address,
  deadlineMs: z.int().positive().optional(),
  retries: z.int().nonnegative().optional(),
  snapshotEvery: z.int().positive().optional(),
  /** The domain's snapshot policy: every N events, after T ms, or either; pruned to `keep`. */
  snapshots: z
    .strictObject({
      everyEvents: z.int().positive().optional(),
      olderThanMs: z.int().positive().optional(),
      keep: z.int().positive().optional(),
    })
    .refine((policy) => policy.everyEvents !== undefined || policy.olderThanMs !== undefined, {
      error: 'expected everyEvents, olderThanMs or both',
    })
    .optional(),
});

const remoteProcessor = z.strictObject({ name: id, address, filter: filter.optional() });

/**
 * The schema of `evented serve`'s configuration: the YAML file, environment variables and
 * flags all fill this one object. Unknown keys are refused, so a typo is never ignored.
 */
export const serverConfigSchema = z.strictObject({
  /** Where gRPC listens, `host:port`; port 0 picks a free one. */
  listen: address.default(defaultServerConfig.listen),
  /** Where `/metrics` and `/healthz` are served, or `off`. */
  http: z
    .string()
    .refine((value) => value === 'off' || parseHostPort(value) !== undefined, {
      error: (issue) => `expected host:port or off, found ${JSON.stringify(issue.input)}`,
    })
    .default(defaultServerConfig.http),
  /** `memory`, `sqlite:<path>`, `postgres://...` or `redis://...`. */
  store: z
    .string()
    .superRefine((value, context) => {
      const parsed = parseStore(value);
      if ('problem' in parsed) context.addIssue({ code: 'custom', message: parsed.problem });
    })
    .default(defaultServerConfig.store),
  /** The PostgreSQL schema of evented's tables (default `evented`), so applications can share a database. */
  postgresSchema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'expected a lower-case SQL identifier' })
    .optional(),
  /** The prefix of evented's Redis keys (default `evented:`). */
  redisPrefix: z.string().min(1).max(128).optional(),
  /** SQLite's `synchronous` pragma: `full` survives power loss, `normal` a process crash. */
  synchronous: z.enum(['full', 'normal']).default(defaultServerConfig.synchronous),
  /** When set, every gRPC call must carry `authorization: Bearer <token>`. */
  token: z
    .string()
    .regex(/^[\x21-\x7e]+$/, { error: 'expected printable ASCII without spaces' })
    .optional(),
  maxMessageBytes: z
    .int()
    .min(1024)
    .max(2 ** 31 - 1)
    .default(defaultServerConfig.maxMessageBytes),
  /** Listening on an address other machines can reach must be asked for. */
  allowRemote: z.boolean().default(defaultServerConfig.allowRemote),
  /** The server's certificate and key; with `clientCa`, clients must present one it signed. */
  tls: z.strictObject({ cert: path, key: path, clientCa: path.optional() }).optional(),
  /** TLS for the server's calls to remote business logic, projectors and sagas. */
  clientTls: z
    .strictObject({ ca: path.optional(), cert: path.optional(), key: path.optional() })
    .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
      error: 'expected cert and key together, or neither',
    })
    .optional(),
  /** Business logic per domain, served by remote BusinessLogicServices. */
  domains: z.record(id, remoteDomain).default({}),
  projectors: z.array(remoteProcessor).default([]),
  sagas: z.array(remoteProcessor).default([]),
  /** This server's id among the nodes that share processors through the store (default host:pid:random). */
  nodeId: id.optional(),
  /** How every processor runs; a remote projector keeps retrying its service (no poison policy). */
  processors: z
    .strictObject({
      /** Segments the work splits into, by aggregate; nodes on one store share them. */
      segments: z.int().min(1).max(1024).optional(),
      /** How long a node's claim on a segment lasts unrenewed, in ms. */
      leaseMs: z.int().min(100).max(86_400_000).optional(),
      /** `stop` at an event that keeps failing (default), or `park` it and go on. */
      onPoison: z.enum(['stop', 'park']).optional(),
      /** Events per page. */
      batchSize: z.int().min(1).max(10_000).optional(),
      /** Tries of an event before the poison policy applies. */
      maxAttempts: z.int().min(1).max(1_000).optional(),
    })
    .default({}),
  /**
   * An ES module (a path) whose `upcasters` export, or default export, is an array of
   * upcasters: every read the server makes sees events at their type's current version.
   */
  upcasters: path.optional(),
  /** The bank example in-process; default `bank` when no domains are configured. */
  example: z.enum(['bank', 'none']).optional(),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default(defaultServerConfig.logLevel),
});

/** What a config file, the environment or flags may hold: any subset of the settings. */
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

/** The resolved configuration of `evented serve`: every setting decided. */
export type ServerConfig = Omit<z.output<typeof serverConfigSchema>, 'example'> & {
  readonly example: 'bank' | 'none';
};
