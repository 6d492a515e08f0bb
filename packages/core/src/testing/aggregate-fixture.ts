import { isDeepStrictEqual } from 'node:util';
import type { AggregateLogic } from '../aggregates/from-aggregate.js';
import { fromAggregate } from '../aggregates/from-aggregate.js';
import type { BusinessLogic, Decision } from '../command-handling/business-logic.js';
import type { Command } from '../command-handling/command.js';
import type { Decider } from '../command-handling/decider.js';
import { fromDecider } from '../command-handling/decider.js';
import type { EventedError, EventedErrorCode } from '../errors/evented-error.js';
import { isEventedError } from '../errors/evented-error.js';
import type { JsonObject, JsonValue, NewEvent } from '../event-store/types.js';
import type { GivenEvent } from './event-log.js';
import { EventLog } from './event-log.js';
import { assertMatches, describeError, fail, show } from './mismatch.js';

/** A decider of any state and messages. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: any decider must fit
type AnyDecider = Decider<any, any, any>;

/** What {@link aggregateFixture} tests: an `@aggregate` class, a decider, or any `BusinessLogic`. */
export type LogicUnderTest = BusinessLogic | AnyDecider | (new () => object);

/** Options of {@link aggregateFixture}. */
export interface AggregateFixtureOptions {
  /** The commands' and given events' domain; default the class's, else `'test'`. */
  readonly domain?: string;
  /** The aggregate the test is about; default `'test-1'`. */
  readonly aggregateId?: string;
}

/** A command as a test writes it: the fixture fills in `domain` and `aggregateId`. */
export type WhenCommand = Omit<Command, 'domain' | 'aggregateId' | 'data'> & {
  readonly data?: unknown;
  readonly domain?: string;
  readonly aggregateId?: string;
};

/** An event a test expects: `type` and `data`, and `metadata` when it matters. */
export interface ExpectedEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: JsonObject;
}

/** The history of one aggregate, for {@link AggregateFixture.given}. */
export interface AggregateGiven {
  /** Runs `command` on the aggregate after the given events. */
  when(command: WhenCommand): AggregateWhen;
}

/** A command run on a history; each `then…` runs it once and fails with a readable message. */
export interface AggregateWhen {
  /** The command decided exactly these events, in order. */
  thenEvents(...expected: ExpectedEvent[]): Promise<void>;
  /** The command was accepted and decided no events. */
  thenNothing(): Promise<void>;
  /**
   * The command was rejected (`COMMAND_REJECTED`): with this reason, when given, and with
   * at least these details. Resolves to the error.
   */
  thenRejected(reason?: string, details?: JsonObject): Promise<EventedError>;
  /** The command failed with an evented error of this code. Resolves to the error. */
  thenError(code: EventedErrorCode): Promise<EventedError>;
}

/** Given/when/then tests of business logic; see {@link aggregateFixture}. */
export interface AggregateFixture {
  /** The aggregate's history: these events, recorded in order (none for a new aggregate). */
  given(...events: GivenEvent[]): AggregateGiven;
}

/**
 * Given/when/then tests of business logic, without a store: given events, when a command,
 * then events, a rejection or an error. The same fixture takes an `@aggregate` class, a
 * decider and any other `BusinessLogic`, since the fixture runs each through the port the
 * command handler uses. The logic is asked for a snapshot each time, and the fixture fails
 * when that snapshot would not survive JSON, so snapshotting is tested with every command.
 *
 * ```ts
 * const card = aggregateFixture(Card);
 * await card.given(issued).when({ type: 'FreezeCard' }).thenEvents({ type: 'CardFrozen', data: {} });
 * await card.given(issued, frozen).when({ type: 'FreezeCard' }).thenRejected('card is frozen already');
 * ```
 */
export function aggregateFixture(
  logic: LogicUnderTest,
  options: AggregateFixtureOptions = {},
): AggregateFixture {
  const port = asBusinessLogic(logic);
  const domain = options.domain ?? (port as Partial<AggregateLogic>).domain ?? 'test';
  const aggregateId = options.aggregateId ?? 'test-1';
  return {
    given: (...given) => ({
      when(when) {
        const command = { data: {}, ...when, domain, aggregateId } as Command;
        let outcome: Promise<Outcome> | undefined;
        const run = () => (outcome ??= decide(port, command, given));
        const what = `command ${command.type}`;
        return {
          async thenEvents(...expected) {
            const events = await decided(run, what);
            assertMatches(`${what} decided other events`, events.map(comparable(expected)), [
              ...expected,
            ]);
          },
          async thenNothing() {
            const events = await decided(run, what);
            assertMatches(`${what} should decide no events`, events.map(comparable([])), []);
          },
          async thenRejected(reason, details = {}) {
            const error = await failed(run, what, 'COMMAND_REJECTED');
            const actual = error.details;
            if (reason !== undefined)
              assertMatches(`${what}: rejected, but for`, actual['reason'], reason);
            const relevant = Object.fromEntries(Object.keys(details).map((k) => [k, actual[k]]));
            assertMatches(`${what}: rejected, with other details`, relevant, details);
            return error;
          },
          thenError: (code) => failed(run, what, code),
        };
      },
    }),
  };
}

type Outcome = { decision: Decision } | { error: unknown };

function asBusinessLogic(logic: LogicUnderTest): BusinessLogic {
  if (typeof logic === 'function') return fromAggregate(logic);
  return 'decide' in logic ? fromDecider(logic) : logic;
}

async function decide(
  logic: BusinessLogic,
  command: Command,
  given: readonly GivenEvent[],
): Promise<Outcome> {
  const events = new EventLog(command).record(
    given.map((event) => ({ ...event, domain: command.domain, aggregateId: command.aggregateId })),
  );
  try {
    const decision = await logic.handle(
      command,
      { snapshot: undefined, events, version: events.length },
      { snapshotWanted: true },
    );
    return { decision };
  } catch (error) {
    return { error };
  }
}

async function decided(run: () => Promise<Outcome>, what: string): Promise<readonly NewEvent[]> {
  const outcome = await run();
  if ('error' in outcome)
    throw fail(`${what} failed, expected it to decide events: ${describeError(outcome.error)}`);
  const state = outcome.decision.snapshot?.state;
  if (state !== undefined && !isDeepStrictEqual(JSON.parse(JSON.stringify(state)), state)) {
    throw fail(
      `the snapshot after ${what} does not survive JSON: ${show(state)}; keep the state plain JSON or convert it in toSnapshot/fromSnapshot`,
    );
  }
  return outcome.decision.events;
}

async function failed(
  run: () => Promise<Outcome>,
  what: string,
  code: EventedErrorCode,
): Promise<EventedError> {
  const outcome = await run();
  if (!('error' in outcome)) {
    throw fail(
      `${what} decided ${show(outcome.decision.events.map(comparable([])), true)}, expected it to fail with ${code}`,
    );
  }
  if (!isEventedError(outcome.error, code)) {
    throw fail(`${what} failed with ${describeError(outcome.error)}, expected ${code}`);
  }
  return outcome.error;
}

/** An actual event cut to what the test compares: metadata only where an expectation has it. */
function comparable(expected: readonly ExpectedEvent[]) {
  return (event: NewEvent, index: number): ExpectedEvent => {
    const { type, data, metadata } = event;
    return expected[index]?.metadata !== undefined
      ? { type, data, metadata: metadata ?? {} }
      : { type, data: data as JsonValue };
  };
}
