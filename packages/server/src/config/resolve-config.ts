import { checkConfig } from './check-config.js';
import type { ConfigLayer, ServeFlags } from './config-sources.js';
import { configFromEnv, configFromFlags, readConfigFile } from './config-sources.js';
import { configurationError, issuesOfZod } from './config-issues.js';
import type { ServerConfig } from './server-config.js';
import { serverConfigSchema } from './server-config.js';

/** Where {@link resolveServerConfig} looks. */
export interface ResolveConfigOptions {
  readonly flags?: ServeFlags;
  /** Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Settings holding objects of their own, merged key by key rather than replaced. */
const NESTED = new Set(['tls', 'clientTls', 'processors']);

/**
 * Builds the one configuration of `evented serve` from, highest precedence first: flags,
 * environment variables, the YAML file (`--config` or `EVENTED_CONFIG`) and defaults.
 * Throws a CONFIGURATION error listing every problem, each naming its field, where the
 * value came from and what was expected.
 *
 * ```ts
 * const config = resolveServerConfig({ flags: { listen: '127.0.0.1:0', store: 'memory' } });
 * ```
 */
export function resolveServerConfig(options: ResolveConfigOptions = {}): ServerConfig {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const file = flags.config ?? (env['EVENTED_CONFIG'] || undefined);
  const { values, origins } = mergeLayers([
    ...(file !== undefined ? [readConfigFile(file)] : []),
    configFromEnv(env),
    configFromFlags(flags),
  ]);
  const parsed = serverConfigSchema.safeParse(values);
  if (!parsed.success) {
    throw configurationError(issuesOfZod(parsed.error, serverConfigSchema), origins);
  }
  const noDomains = Object.keys(parsed.data.domains).length === 0;
  const config: ServerConfig = {
    ...parsed.data,
    example: parsed.data.example ?? (noDomains ? 'bank' : 'none'),
  };
  const issues = checkConfig(config);
  if (issues.length > 0) throw configurationError(issues, origins);
  return config;
}

/** Later layers win; nested settings merge field by field. */
function mergeLayers(layers: readonly ConfigLayer[]): ConfigLayer {
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values)) {
      const previous = values[key];
      values[key] =
        NESTED.has(key) && isPlainObject(previous) && isPlainObject(value)
          ? { ...previous, ...value }
          : value;
    }
    Object.assign(origins, layer.origins);
  }
  return { values, origins };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
