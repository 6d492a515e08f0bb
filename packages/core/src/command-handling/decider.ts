import type { JsonValue, NewEvent } from '../event-store/types.js';
import type { AggregateHistory, BusinessLogic, Decision, HandleOptions } from './business-logic.js';
import type { Command } from './command.js';
import { isRejection, rejectCommand } from './rejection.js';
import type { Rejection } from './rejection.js';

/** The `type` and `data` of a command or event, as a decider sees them. */
export interface Message {
  readonly type: string;
  readonly data: unknown;
}

/**
 * Business logic as three functions: the state of a new aggregate, how an event changes
 * the state, and which events a command causes in a state (or a rejection).
 *
 * ```ts
 * const account: Decider<Account, AccountCommand, AccountEvent> = {
 *   initialState: () => ({ open: false, balance: 0 }),
 *   evolve: (state, event) => (event.type === 'Deposited' ? { ...state, balance: state.balance + event.data.amount } : state),
 *   decide: (command, state) => [{ type: 'Deposited', data: { amount: command.data.amount } }],
 * };
 * ```
 */
export interface Decider<State, C extends Message = Message, E extends Message = Message> {
  initialState(): State;
  evolve(state: State, event: E): State;
  decide(command: C & Command<C['type'], C['data']>, state: State): E | readonly E[] | Rejection;
  /** The state as JSON for snapshots; default the state itself. */
  toSnapshot?(state: State): JsonValue;
  /** The state from a snapshot's JSON; default the JSON itself. */
  fromSnapshot?(snapshot: JsonValue): State;
  /** Version of the snapshot format; bump it when the state's shape changes. Default 1. */
  readonly snapshotSchemaVersion?: number;
}

/** Runs a {@link Decider} as evented's {@link BusinessLogic}. */
export function fromDecider<State, C extends Message, E extends Message>(
  decider: Decider<State, C, E>,
): BusinessLogic {
  const restore = decider.fromSnapshot ?? ((json: JsonValue) => json as State);
  const save = decider.toSnapshot ?? ((state: State) => state as JsonValue);
  const fold = (state: State, events: readonly Message[]): State =>
    events.reduce((current, event) => decider.evolve(current, event as E), state);
  return {
    snapshotSchemaVersion: decider.snapshotSchemaVersion ?? 1,
    handle(command: Command, history: AggregateHistory, options: HandleOptions): Decision {
      const start = history.snapshot ? restore(history.snapshot.state) : decider.initialState();
      const state = fold(start, history.events);
      const outcome = decider.decide(command as C & Command<C['type'], C['data']>, state);
      if (isRejection(outcome)) throw rejectCommand(outcome.reason, outcome.details);
      const events = (Array.isArray(outcome) ? outcome : [outcome]) as readonly E[];
      if (!options.snapshotWanted) return { events: events as readonly NewEvent[] };
      return {
        events: events as readonly NewEvent[],
        snapshot: {
          state: save(fold(state, events)),
          schemaVersion: decider.snapshotSchemaVersion ?? 1,
        },
      };
    },
  };
}
