/** Where the server keeps its events, parsed from the `store` setting. */
export type StoreLocation =
  { readonly kind: 'memory' } | { readonly kind: 'sqlite'; readonly path: string };

/** The stores later releases add: refused now with a clear message rather than a parse error. */
const COMING = /^(postgres|postgresql|redis|rediss):\/\//i;

/**
 * Parses a `store` setting: `memory`, or `sqlite:<path>` (a file, created with its folder
 * when missing). Returns the reason in words when the setting is not one of these.
 */
export function parseStore(store: string): StoreLocation | { readonly problem: string } {
  if (store === 'memory') return { kind: 'memory' };
  if (store.startsWith('sqlite:')) {
    const path = store.slice('sqlite:'.length);
    if (path === '')
      return { problem: 'expected a file after sqlite:, e.g. sqlite:./data/evented.db' };
    return path === ':memory:' ? { kind: 'memory' } : { kind: 'sqlite', path };
  }
  const coming = COMING.exec(store);
  if (coming) {
    // The scheme only: a connection string may carry a password.
    return {
      problem: `${coming[1]!.toLowerCase()}:// stores are not available yet; use memory or sqlite:<path>`,
    };
  }
  return { problem: `expected memory or sqlite:<path>, found ${JSON.stringify(store)}` };
}

/** A store location in words, for the log. */
export function describeStore(location: StoreLocation): string {
  return location.kind === 'memory' ? 'memory' : `sqlite:${location.path}`;
}
