import type { Command } from '../command-handling/command.js';
import type { Rejection } from '../command-handling/rejection.js';
import { EventedError } from '../errors/evented-error.js';
import type { JsonObject } from '../event-store/types.js';
import type { InferOutput, StandardSchemaV1 } from '../validation/standard-schema.js';
import { defineAggregate } from './aggregate-definition.js';
import type { HandlerMark } from './aggregate-definition.js';
import { markHandler } from './aggregate-definition.js';

/** An event a command handler decides: its type and data, as for `NewEvent`. */
export interface DecidedEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: JsonObject;
  /** A UUID; generated when absent. */
  readonly id?: string;
  /** The version of the event's schema; 1 when absent. */
  readonly schemaVersion?: number;
}

/** What a command handler returns: an event, several (`[]` for none), or `reject(...)`. */
export type CommandOutcome = DecidedEvent | readonly DecidedEvent[] | Rejection;

/** The data a handler receives: the schema's output, or whatever the method declares without one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- without a schema, the method's own type stands
type DataOf<Schema> = Schema extends StandardSchemaV1 ? InferOutput<Schema> : any;

/** The shape of a method `@command` accepts. */
export type CommandMethod<This, Data> = (
  this: This,
  data: Data,
  command: Command,
) => CommandOutcome | Promise<CommandOutcome>;

/** The shape of a method `@event` accepts; what it returns is ignored. */
export type EventMethod<This, Data> = (this: This, data: Data, event: DecidedEvent) => unknown;

/** Options of {@link command}. */
export interface CommandOptions<Schema extends StandardSchemaV1 | undefined = undefined> {
  /**
   * Checks the command's data on dispatch; the handler receives the schema's output. Data
   * that fails fails the dispatch with `INVALID_ARGUMENT`, naming the command type and the
   * schema's issues, and nothing is written. Any Standard Schema: zod 4, Valibot, ArkType.
   */
  readonly schema?: Schema;
  /**
   * Which aggregates the command may run on, as Axon's creation policy:
   * `true`, only a new one (it creates it; on an existing one it is rejected);
   * `'if-missing'`, a new or an existing one;
   * `false` (default), only an existing one (on a new one it is rejected).
   */
  readonly creates?: boolean | 'if-missing';
}

/** Options of {@link event}. */
export interface EventOptions<Schema extends StandardSchemaV1 | undefined = undefined> {
  /**
   * Checks the data of each such event a command handler decides, before anything is
   * written (`INVALID_ARGUMENT` otherwise). The schema's output is what is stored, and what
   * the handler receives when the aggregate is loaded again.
   */
  readonly schema?: Schema;
  /** After this event the aggregate is closed: every later command is rejected. */
  readonly closes?: boolean;
}

/** Options of {@link aggregate}. */
export interface AggregateOptions {
  /** Version of the snapshot format; bump it when the fields change shape. Default 1. */
  readonly snapshotSchemaVersion?: number;
}

/** The context of a public instance method: the only kind that can handle messages. */
type InstanceMethodContext<
  This,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as ClassMethodDecoratorContext's own bound
  Method extends (this: This, ...args: any) => unknown,
> = ClassMethodDecoratorContext<This, Method> & {
  readonly static: false;
  readonly private: false;
};

/**
 * Marks a method as the handler of one command type of an {@link aggregate} class. It
 * receives the command's data (checked by `schema` when given) and the whole command, reads
 * the aggregate's fields through `this`, and returns the events that happen, or
 * `reject(reason)`. It must not change the fields: `@event` handlers do that.
 *
 * ```ts
 * @command('Deposit', { schema: z.object({ amount: z.number().int().positive() }) })
 * deposit({ amount }: { amount: number }) {
 *   if (this.frozen) return reject('account is frozen');
 *   return { type: 'Deposited', data: { amount } };
 * }
 * ```
 */
export function command<Schema extends StandardSchemaV1 | undefined = undefined>(
  type: string,
  options: CommandOptions<Schema> = {},
) {
  return <This, Method extends CommandMethod<This, DataOf<Schema>>>(
    method: Method,
    context: InstanceMethodContext<This, Method>,
  ): void => {
    mark(method, context, {
      kind: 'command',
      type,
      schema: options.schema,
      creates: options.creates ?? false,
    });
  };
}

/**
 * Marks a method as the handler of one event type of an {@link aggregate} class: it
 * changes the fields, and decides nothing. It runs when the aggregate is loaded (for the
 * events after the latest snapshot) and on the events a command decided, before a snapshot.
 *
 * ```ts
 * @event('Deposited')
 * onDeposited({ amount }: { amount: number }) {
 *   this.balance += amount;
 * }
 * ```
 */
export function event<Schema extends StandardSchemaV1 | undefined = undefined>(
  type: string,
  options: EventOptions<Schema> = {},
) {
  return <This, Method extends EventMethod<This, DataOf<Schema>>>(
    method: Method,
    context: InstanceMethodContext<This, Method>,
  ): void => {
    mark(method, context, {
      kind: 'event',
      type,
      schema: options.schema,
      closes: options.closes ?? false,
    });
  };
}

/**
 * Makes a class the business logic of a domain, for `fromAggregate`. Its fields are the
 * aggregate's state: a new aggregate is `new Class()` (so the constructor takes no
 * arguments), and its methods marked {@link command} and {@link event} handle messages.
 *
 * A snapshot of the state is the class's own enumerable fields, which must be plain JSON
 * (`#private` fields are not saved), unless the class defines both `toSnapshot(): JsonValue`
 * and `fromSnapshot(json: JsonValue): void` (which restores a new instance).
 *
 * ```ts
 * @aggregate('card')
 * export class Card {
 *   frozen = false;
 *
 *   @command('IssueCard', { creates: true })
 *   issue({ holder }: { holder: string }) { return { type: 'CardIssued', data: { holder } }; }
 *
 *   @command('FreezeCard')
 *   freeze() { return this.frozen ? reject('card is frozen already') : { type: 'CardFrozen', data: {} }; }
 *
 *   @event('CardFrozen')
 *   onFrozen() { this.frozen = true; }
 * }
 * ```
 */
export function aggregate(domain: string, options: AggregateOptions = {}) {
  return (value: new () => object, context: ClassDecoratorContext): void => {
    defineAggregate(value, String(context.name ?? value.name), domain, options);
  };
}

function mark(
  method: unknown,
  context: { kind: string; name: string | symbol; static: boolean; private: boolean },
  handler: HandlerMark,
): void {
  const decorator = `@${handler.kind}('${handler.type}')`;
  if (context.kind !== 'method' || context.static || context.private) {
    throw new EventedError(
      'CONFIGURATION',
      `${decorator} decorates ${String(context.name)}, which is not a public instance method`,
      { type: handler.type },
    );
  }
  markHandler(method as object, handler);
}
