import type { Storage } from '../storage/storage.js';
import type { UpcastingEventStore } from './upcasting-event-store.js';

/**
 * The same storage, with `eventStore` replaced by an upcasting one. Every other member is
 * the storage's own, so helpers that look for an adapter's extras (a SQLite `database`, a
 * PostgreSQL `pool`) still find them, and methods run on the real object: a proxy rather
 * than a copy, because adapters keep their state in `#private` fields, which only the
 * original object has.
 */
export function upcastingStorage<S extends Storage>(
  storage: S,
  eventStore: UpcastingEventStore,
): S {
  return new Proxy(storage, {
    get(target, property) {
      if (property === 'eventStore') return eventStore;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
