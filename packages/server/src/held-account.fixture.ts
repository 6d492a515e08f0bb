import type { BusinessLogic } from '@evented/core';
import { fromDecider } from '@evented/core';
import { account } from '@evented/example-bank';

/** The bank's account logic, holding any deposit of 99 until `release()`: a command in flight. */
export interface HeldAccount {
  readonly logic: BusinessLogic;
  /** Resolves once a deposit of 99 has arrived and is being held. */
  readonly arrival: Promise<void>;
  release(): void;
}

/** Makes a {@link HeldAccount}. */
export function heldAccount(): HeldAccount {
  const logic = fromDecider(account);
  let release = (): void => {};
  let arrived = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  return {
    logic: {
      async handle(command, history, options) {
        if (command.type === 'Deposit' && (command.data as { amount: number }).amount === 99) {
          arrived();
          await held;
        }
        return logic.handle(command, history, options);
      },
    },
    arrival,
    release: () => release(),
  };
}
