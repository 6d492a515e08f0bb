import type {
  AggregateHistory,
  BusinessLogic,
  Decision,
  HandleOptions,
} from '../command-handling/business-logic.js';
import type { Command } from '../command-handling/command.js';
import { isRejection, rejectCommand } from '../command-handling/rejection.js';
import { EventedError } from '../errors/evented-error.js';
import { invalidArgument } from '../errors/errors.js';
import type { JsonValue, NewEvent } from '../event-store/types.js';
import type { StandardSchemaV1 } from '../validation/standard-schema.js';
import { formatIssues, validateWithSchema } from '../validation/standard-schema.js';
import type { AggregateDefinition, Handler } from './aggregate-definition.js';
import { definitionOf } from './aggregate-definition.js';
import type { CommandOutcome, DecidedEvent } from './decorators.js';
import { restoreState, snapshotOf } from './aggregate-snapshot.js';

/**
 * Why a lifecycle rule refused a command, in `details.lifecycle` of its `COMMAND_REJECTED`
 * error: `'exists'`, a creating command on an existing aggregate; `'missing'`, another
 * command on a new one; `'closed'`, any command after a closing event.
 */
export type LifecycleViolation = 'exists' | 'missing' | 'closed';

/** An aggregate class as business logic, with the domain its `@aggregate` names. */
export interface AggregateLogic extends BusinessLogic {
  readonly domain: string;
}

/**
 * Runs an {@link aggregate} class as evented's {@link BusinessLogic}, in-process with
 * `withBusinessLogic` or behind a gRPC `BusinessLogicService` with `serveBusinessLogic`.
 *
 * For each command it checks the data against the command's schema (`INVALID_ARGUMENT`,
 * nothing written), rebuilds the aggregate (from the snapshot's fields, or `new Class()`,
 * then the `@event` handlers of the events after it), applies the lifecycle rules, calls the
 * `@command` handler and checks the events it decides against their schemas.
 *
 * Lifecycle rules refuse a command with `COMMAND_REJECTED`, like any rejection, so that a
 * retried command whose first attempt already succeeded still returns the first result:
 * `details.lifecycle` is a {@link LifecycleViolation}.
 *
 * ```ts
 * const evented = await Evented.builder(config).withBusinessLogic('card', fromAggregate(Card)).build();
 * ```
 */
export function fromAggregate(aggregateClass: new () => object): AggregateLogic {
  const definition = definitionOf(aggregateClass);
  const { domain, snapshotSchemaVersion } = definition;
  return {
    domain,
    snapshotSchemaVersion,
    async handle(command: Command, history: AggregateHistory, options: HandleOptions) {
      const handler = definition.commands.get(command.type);
      if (!handler) throw unknownCommand(definition, command.type);
      const data = handler.schema
        ? await checked(handler.schema, command.data, `command ${command.type}`, {
            field: 'data',
            commandType: command.type,
          })
        : command.data;
      const aggregate = load(definition, history);
      assertLifecycle(definition, handler, command, aggregate.closed, history.version > 0);
      let outcome = handler.method.call(aggregate.instance, data, command as never) as
        CommandOutcome | Promise<CommandOutcome>;
      if (outcome instanceof Promise) outcome = await outcome;
      if (isRejection(outcome)) throw rejectCommand(outcome.reason, outcome.details);
      const events = await checkedEvents(definition, command.type, outcome);
      if (!options.snapshotWanted) return { events };
      const closed = apply(definition, aggregate.instance, events) || aggregate.closed;
      return {
        events,
        snapshot: {
          state: snapshotOf(definition, aggregate.instance, closed),
          schemaVersion: snapshotSchemaVersion,
        },
      } satisfies Decision;
    },
  };
}

/** The aggregate after its history, and whether a closing event is in it. */
function load(
  definition: AggregateDefinition,
  history: AggregateHistory,
): { instance: object; closed: boolean } {
  const restored = history.snapshot
    ? restoreState(definition, history.snapshot.state)
    : { instance: definition.create(), closed: false };
  const closedNow = apply(definition, restored.instance, history.events);
  return { instance: restored.instance, closed: restored.closed || closedNow };
}

/** Runs the `@event` handlers; true when one of the events closes the aggregate. */
function apply(
  definition: AggregateDefinition,
  instance: object,
  events: readonly DecidedEvent[],
): boolean {
  let closed = false;
  for (const event of events) {
    const handler = definition.events.get(event.type);
    if (!handler) continue;
    handler.method.call(instance, event.data, event as never);
    if (handler.closes) closed = true;
  }
  return closed;
}

function assertLifecycle(
  definition: AggregateDefinition,
  handler: Handler<'command'>,
  command: Command,
  closed: boolean,
  exists: boolean,
): void {
  const name = `${definition.domain} ${command.aggregateId}`;
  const refuse = (lifecycle: LifecycleViolation, reason: string) =>
    rejectCommand(reason, {
      lifecycle,
      domain: definition.domain,
      aggregateId: command.aggregateId,
      commandType: command.type,
    });
  if (closed) throw refuse('closed', `${name} is closed`);
  if (handler.creates === true && exists) {
    throw refuse('exists', `${name} exists already; ${command.type} creates a new one`);
  }
  if (handler.creates === false && !exists) {
    throw refuse('missing', `${name} does not exist; ${command.type} needs an existing one`);
  }
}

/** The handler's events as `NewEvent`s whose data passed their schemas (their output). */
async function checkedEvents(
  definition: AggregateDefinition,
  commandType: string,
  outcome: CommandOutcome,
): Promise<NewEvent[]> {
  const decided: readonly unknown[] = Array.isArray(outcome) ? outcome : [outcome];
  const events: NewEvent[] = [];
  for (const [index, event] of decided.entries()) {
    if (
      typeof event !== 'object' ||
      event === null ||
      typeof (event as DecidedEvent).type !== 'string'
    ) {
      throw new EventedError(
        'INTERNAL',
        `the handler of command ${commandType} in ${definition.className} returned ${describe(event)} at ${index}; return an event { type, data }, an array of them ([] for none), or reject(reason)`,
        { commandType },
      );
    }
    const { type, data } = event as DecidedEvent;
    const schema = definition.events.get(type)?.schema;
    if (!schema) {
      events.push(event as NewEvent);
      continue;
    }
    const value = await checked(schema, data, `event ${type} decided by command ${commandType}`, {
      field: `events[${index}].data`,
      eventType: type,
      commandType,
    });
    events.push({ ...(event as NewEvent), data: value as JsonValue });
  }
  return events;
}

/** The schema's output for `value`; `INVALID_ARGUMENT` naming `subject` and the issues. */
async function checked(
  schema: StandardSchemaV1,
  value: unknown,
  subject: string,
  details: Record<string, unknown>,
): Promise<unknown> {
  const result = await validateWithSchema(schema, value);
  if ('value' in result) return result.value;
  throw new EventedError(
    'INVALID_ARGUMENT',
    `${subject}: data does not match its schema: ${formatIssues(result.issues)}`,
    { ...details, issues: result.issues },
  );
}

function unknownCommand(definition: AggregateDefinition, type: string): EventedError {
  const known = [...definition.commands.keys()];
  return invalidArgument(
    'type',
    `${definition.domain} has no command ${type}; it handles ${known.join(', ')}`,
    {
      commandType: type,
      known,
    },
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
