import { EventedError } from '../errors/evented-error.js';
import type { StandardSchemaV1 } from '../validation/standard-schema.js';
import { assertPositiveInteger, assertValidId } from '../validation/ids.js';
import type { AggregateOptions } from './decorators.js';

/** What `@command` or `@event` records on a method. */
export type HandlerMark =
  | {
      readonly kind: 'command';
      readonly type: string;
      readonly schema: StandardSchemaV1 | undefined;
      readonly creates: boolean | 'if-missing';
    }
  | {
      readonly kind: 'event';
      readonly type: string;
      readonly schema: StandardSchemaV1 | undefined;
      readonly closes: boolean;
    };

/** A handler found on an aggregate class: what was marked, and the method to call. */
export type Handler<Kind extends HandlerMark['kind']> = Extract<HandlerMark, { kind: Kind }> & {
  readonly method: (this: object, data: unknown, message: never) => unknown;
  readonly methodName: string;
};

/** Everything `fromAggregate` needs to know about a decorated class. */
export interface AggregateDefinition {
  readonly domain: string;
  readonly className: string;
  readonly create: () => object;
  readonly commands: ReadonlyMap<string, Handler<'command'>>;
  readonly events: ReadonlyMap<string, Handler<'event'>>;
  readonly snapshotSchemaVersion: number;
  /** The class's own `toSnapshot` and `fromSnapshot`, when it defines them. */
  readonly customSnapshots: boolean;
}

// Symbol.for: two copies of core (say a library's and the app's) still see each other's marks.
const HANDLERS = Symbol.for('evented.aggregate.handlers');
const DEFINITION = Symbol.for('evented.aggregate.definition');

/**
 * Records a handler on the method function itself. Decorators of methods run before the
 * class decorator, which then finds the marks on the prototype chain; this needs no
 * `Symbol.metadata`, which Node 20 lacks, and no state shared between classes.
 */
export function markHandler(method: object, mark: HandlerMark): void {
  const marks = (method as { [HANDLERS]?: HandlerMark[] })[HANDLERS];
  if (marks) marks.push(mark);
  else Object.defineProperty(method, HANDLERS, { value: [mark] });
}

/** Collects a class's handlers and stores its definition on it; called by `@aggregate`. */
export function defineAggregate(
  value: new () => object,
  className: string,
  domain: string,
  options: AggregateOptions,
): void {
  assertValidId('domain', domain);
  const snapshotSchemaVersion = options.snapshotSchemaVersion ?? 1;
  assertPositiveInteger('snapshotSchemaVersion', snapshotSchemaVersion);
  const commands = new Map<string, Handler<'command'>>();
  const events = new Map<string, Handler<'event'>>();
  for (const [methodName, method] of methodsOf(value.prototype as object)) {
    for (const mark of (method as { [HANDLERS]?: HandlerMark[] })[HANDLERS] ?? []) {
      const handlers: Map<string, Handler<HandlerMark['kind']>> = mark.kind === 'command'
        ? commands
        : events;
      assertValidId(`@${mark.kind} type`, mark.type);
      const other = handlers.get(mark.type);
      if (other) {
        throw configuration(
          className,
          `handles ${mark.kind} ${mark.type} twice, in ${other.methodName} and ${methodName}`,
        );
      }
      handlers.set(mark.type, { ...mark, method, methodName } as Handler<HandlerMark['kind']>);
    }
  }
  if (commands.size === 0) throw configuration(className, 'has no @command method');
  const prototype = value.prototype as { toSnapshot?: unknown; fromSnapshot?: unknown };
  const custom = [prototype.toSnapshot, prototype.fromSnapshot].map((f) => typeof f === 'function');
  if (custom[0] !== custom[1]) {
    throw configuration(className, 'defines one of toSnapshot and fromSnapshot; define both');
  }
  const definition: AggregateDefinition = {
    domain,
    className,
    create: () => new value(),
    commands,
    events,
    snapshotSchemaVersion,
    customSnapshots: custom[0] === true,
  };
  Object.defineProperty(value, DEFINITION, { value: definition });
}

/** The definition `@aggregate` stored on a class; `CONFIGURATION` for an undecorated one. */
export function definitionOf(value: unknown): AggregateDefinition {
  if (typeof value === 'function' && Object.hasOwn(value, DEFINITION)) {
    return (value as unknown as { [DEFINITION]: AggregateDefinition })[DEFINITION];
  }
  const name = typeof value === 'function' ? value.name : typeof value;
  throw new EventedError(
    'CONFIGURATION',
    `${name} is not an aggregate class: decorate it with @aggregate(domain)`,
  );
}

/** The methods of a prototype chain, nearest first; an override hides what it overrides. */
function methodsOf(prototype: object): [string, Handler<'command'>['method']][] {
  const seen = new Set<string | symbol>();
  const methods: [string, Handler<'command'>['method']][] = [];
  for (let p = prototype; p !== Object.prototype && p !== null; p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key);
      const { value } = Object.getOwnPropertyDescriptor(p, key) ?? {};
      if (typeof value === 'function') methods.push([String(key), value]);
    }
  }
  return methods;
}

function configuration(className: string, problem: string): EventedError {
  return new EventedError('CONFIGURATION', `aggregate class ${className} ${problem}`, {
    className,
  });
}
