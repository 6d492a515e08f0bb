import type { DecidedEvent } from '../aggregates/decorators.js';
import type { Command, CommandResult } from '../command-handling/command.js';
import type { Rejection } from '../command-handling/rejection.js';
import { isRejection, rejectCommand } from '../command-handling/rejection.js';
import type { EventedError, EventedErrorCode } from '../errors/evented-error.js';
import { isEventedError } from '../errors/evented-error.js';
import type { RecordedEvent } from '../event-store/types.js';
import { sagaCommandId } from '../processors/saga-coordinator.js';
import type { Saga, SagaCommand, SagaContext } from '../processors/saga.js';
import type { GivenEvent } from './event-log.js';
import { EventLog, matchesFilter } from './event-log.js';
import { assertMatches, describeError, fail, show } from './mismatch.js';

/** Options of {@link sagaFixture}. */
export interface SagaFixtureOptions {
  /** The given events' domain when they name none; default `'test'`. */
  readonly domain?: string;
  /** The given events' aggregate when they name none; default `'test-1'`. */
  readonly aggregateId?: string;
}

/**
 * How the fake command bus answers a dispatched command: `reject(reason)` fails the
 * saga's `dispatch` with `COMMAND_REJECTED`, events are what the command recorded, nothing
 * means it was accepted and recorded no events. A thrown error reaches the saga as it is.
 */
export type DispatchAnswer = (
  command: Command,
) =>
  Rejection | readonly DecidedEvent[] | void | Promise<Rejection | readonly DecidedEvent[] | void>;

/** A command a test expects: the four fields always, any other field when it names one. */
export type ExpectedCommand = Pick<Command, 'domain' | 'aggregateId' | 'type'> &
  Partial<Omit<Command, 'domain' | 'aggregateId' | 'type' | 'data'>> & { readonly data: unknown };

/** Events a saga handles; see {@link sagaFixture}. */
export interface SagaGiven {
  /** Answers the saga's commands with `answer` instead of accepting them all. */
  answering(answer: DispatchAnswer): SagaGiven;
  /**
   * The saga dispatched exactly these commands, in order (rejected ones too). Resolves to
   * the commands as dispatched, with the ids the saga's processor derives.
   */
  thenCommands(...expected: ExpectedCommand[]): Promise<readonly Command[]>;
  /** The saga dispatched nothing. */
  thenNoCommands(): Promise<void>;
  /** The saga failed with an evented error of this code. Resolves to the error. */
  thenError(code: EventedErrorCode): Promise<EventedError>;
}

/** Given/then tests of a saga; see {@link sagaFixture}. */
export interface SagaFixture {
  /** These events reach the saga in order, filtered by its filter. */
  given(...events: GivenEvent[]): SagaGiven;
}

/**
 * Given events, then commands issued: runs a saga's `handle` on recorded events with a
 * fake `SagaContext` that records each dispatch as the saga's processor sends it: with
 * the `commandId` derived from the saga, the event and the call's order, and the event as
 * correlation and cause. Each `then…` runs the events once.
 *
 * ```ts
 * await sagaFixture(transfers, { domain: 'account', aggregateId: 'ann' })
 *   .given({ type: 'TransferSent', data: { transferId: 't-1', to: 'bob', amount: 5 } })
 *   .answering(() => reject('account is not open'))
 *   .thenCommands(
 *     { domain: 'account', aggregateId: 'bob', type: 'ReceiveTransfer', data: { transferId: 't-1', from: 'ann', amount: 5 } },
 *     { domain: 'account', aggregateId: 'ann', type: 'RefundTransfer', data: { transferId: 't-1', amount: 5, reason: 'account is not open' } },
 *   );
 * ```
 */
export function sagaFixture(saga: Saga, options: SagaFixtureOptions = {}): SagaFixture {
  const defaults = {
    domain: options.domain ?? 'test',
    aggregateId: options.aggregateId ?? 'test-1',
  };
  const givenWith = (given: readonly GivenEvent[], answer: DispatchAnswer): SagaGiven => {
    let outcome: Promise<{ commands: Command[]; error?: unknown }> | undefined;
    const run = () => (outcome ??= handleAll(saga, new EventLog(defaults).record(given), answer));
    const succeeded = async () => {
      const { commands, error } = await run();
      if (error !== undefined) throw fail(`saga ${saga.name} failed: ${describeError(error)}`);
      return commands;
    };
    return {
      answering: (next) => givenWith(given, next),
      async thenCommands(...expected) {
        const commands = await succeeded();
        const cut = commands.map((command, i) => comparable(command, expected[i]));
        assertMatches(`saga ${saga.name} dispatched other commands`, cut, [...expected]);
        return commands;
      },
      async thenNoCommands() {
        const commands = await succeeded();
        assertMatches(
          `saga ${saga.name} should dispatch nothing`,
          commands.map((c) => comparable(c)),
          [],
        );
      },
      async thenError(code) {
        const { commands, error } = await run();
        if (isEventedError(error, code)) return error;
        throw fail(
          error === undefined
            ? `saga ${saga.name} dispatched ${show(
                commands.map((c) => comparable(c)),
                true,
              )}, expected it to fail with ${code}`
            : `saga ${saga.name} failed with ${describeError(error)}, expected ${code}`,
        );
      },
    };
  };
  return { given: (...events) => givenWith(events, () => undefined) };
}

async function handleAll(
  saga: Saga,
  events: readonly RecordedEvent[],
  answer: DispatchAnswer,
): Promise<{ commands: Command[]; error?: unknown }> {
  const commands: Command[] = [];
  try {
    for (const event of events) {
      if (matchesFilter(saga.filter, event)) {
        await saga.handle(event, recordingContext(saga.name, event, commands, answer));
      }
    }
    return { commands };
  } catch (error) {
    return { commands, error };
  }
}

/** A `SagaContext` that records commands with the ids the saga coordinator would give them. */
function recordingContext(
  name: string,
  event: RecordedEvent,
  commands: Command[],
  answer: DispatchAnswer,
): SagaContext {
  let issued = 0;
  return {
    processor: name,
    async dispatch(sagaCommand: SagaCommand): Promise<CommandResult> {
      const index = issued++;
      const command: Command = {
        ...sagaCommand,
        commandId: sagaCommand.commandId ?? sagaCommandId(name, event.id, index),
        correlationId: event.correlationId ?? event.id,
        causationId: event.id,
      };
      commands.push(command);
      const answered = await answer(command);
      if (isRejection(answered)) throw rejectCommand(answered.reason, answered.details);
      const log = new EventLog(command);
      return {
        domain: command.domain,
        aggregateId: command.aggregateId,
        commandId: command.commandId,
        events: log.record(answered ?? []),
        version: answered?.length ?? 0,
        duplicate: false,
      };
    },
  };
}

/** A dispatched command cut to the four fields and those the expectation names. */
function comparable(command: Command, expected?: ExpectedCommand): Record<string, unknown> {
  const keys = new Set(['domain', 'aggregateId', 'type', 'data', ...Object.keys(expected ?? {})]);
  return Object.fromEntries(
    [...keys].map((key) => [key, (command as unknown as Record<string, unknown>)[key]]),
  );
}
