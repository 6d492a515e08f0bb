import { EventedError } from '../errors/evented-error.js';
import type { JsonObject } from '../event-store/types.js';

const REJECTION = Symbol.for('evented.rejection');

/** A decider's refusal of a command: a reason for the caller, and optional details. */
export interface Rejection {
  readonly [REJECTION]: true;
  readonly reason: string;
  readonly details: JsonObject;
}

/**
 * Refuses a command from a decider's `decide`. The caller of `dispatch` receives a
 * `COMMAND_REJECTED` error with the reason, and nothing is written.
 *
 * ```ts
 * if (state.balance < command.data.amount) return reject('insufficient funds', { balance: state.balance });
 * ```
 */
export function reject(reason: string, details: JsonObject = {}): Rejection {
  return { [REJECTION]: true, reason, details };
}

/** True for the value of {@link reject}. */
export function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && REJECTION in value;
}

/** The error a rejected command raises; business logic may also throw it directly. */
export function rejectCommand(reason: string, details: JsonObject = {}): EventedError {
  return new EventedError('COMMAND_REJECTED', `command rejected: ${reason}`, {
    ...details,
    reason,
  });
}
