/** Where the server keeps its events, parsed from the `store` setting. */
export type StoreLocation =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'redis'; readonly url: string };

const POSTGRES = /^postgres(ql)?:\/\//i;
const REDIS = /^rediss?:\/\//i;

/**
 * Parses a `store` setting: `memory`, `sqlite:<path>` (a file, created with its folder
 * when missing), `postgres://...` or `redis://...` (`rediss://` for TLS). Returns the
 * reason in words when the setting is not one of these.
 */
export function parseStore(store: string): StoreLocation | { readonly problem: string } {
  if (store === 'memory') return { kind: 'memory' };
  if (store.startsWith('sqlite:')) {
    const path = store.slice('sqlite:'.length);
    if (path === '')
      return { problem: 'expected a file after sqlite:, e.g. sqlite:./data/evented.db' };
    return path === ':memory:' ? { kind: 'memory' } : { kind: 'sqlite', path };
  }
  if (POSTGRES.test(store) || REDIS.test(store)) {
    let url: URL;
    try {
      url = new URL(store);
    } catch {
      // Not echoed: a connection string may carry a password.
      return { problem: 'expected a connection string such as postgres://user@host:5432/database' };
    }
    if (url.hostname === '') return { problem: 'expected a host in the connection string' };
    return { kind: POSTGRES.test(store) ? 'postgres' : 'redis', url: store };
  }
  return {
    problem: `expected memory, sqlite:<path>, postgres://... or redis://..., found ${JSON.stringify(store)}`,
  };
}

/** A store location in words, for the log, without any password. */
export function describeStore(location: StoreLocation): string {
  switch (location.kind) {
    case 'memory':
      return 'memory';
    case 'sqlite':
      return `sqlite:${location.path}`;
    default: {
      const url = new URL(location.url);
      url.password = '';
      url.username = '';
      return url.toString();
    }
  }
}
