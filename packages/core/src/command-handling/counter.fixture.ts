import type { Decider } from './decider.js';
import { reject } from './rejection.js';

/** A tiny domain for core's tests: a counter that adds, and refuses to go past a limit. */
export type CounterCommand =
  { type: 'Add'; data: { by: number } } | { type: 'AddTwice'; data: { by: number } };
export type CounterEvent = { type: 'Added'; data: { by: number } };

export const LIMIT = 100;

export const counter: Decider<{ total: number }, CounterCommand, CounterEvent> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.by }),
  decide(command, state) {
    if (state.total + command.data.by > LIMIT)
      return reject('over the limit', { total: state.total });
    const added = { type: 'Added', data: { by: command.data.by } } as const;
    return command.type === 'AddTwice' ? [added, added] : added;
  },
};
