import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { isEventedError } from '../errors/evented-error.js';
import { EventedError } from '../errors/evented-error.js';
import { reject } from '../command-handling/rejection.js';
import type { Saga } from '../processors/saga.js';
import { sagaCommandId } from '../processors/saga-coordinator.js';
import { fixtureEventId } from './event-log.js';
import { sagaFixture } from './saga-fixture.js';

/** Ships an order once it is paid; cancels it when shipping refuses. */
const shipping: Saga = {
  name: 'shipping',
  filter: { types: ['OrderPaid'] },
  async handle(event, { dispatch }) {
    try {
      await dispatch({ domain: 'parcel', aggregateId: event.aggregateId, type: 'Ship', data: {} });
    } catch (error) {
      if (!isEventedError(error, 'COMMAND_REJECTED')) throw error;
      await dispatch({
        domain: 'order',
        aggregateId: event.aggregateId,
        type: 'Cancel',
        data: { reason: String(error.details['reason']) },
      });
    }
  },
};

const paid = { type: 'OrderPaid', data: {} };
const ship = { domain: 'parcel', aggregateId: 'o-1', type: 'Ship', data: {} };

describe('sagaFixture', () => {
  const fixture = sagaFixture(shipping, { domain: 'order', aggregateId: 'o-1' });

  it('given events, then the commands issued, with the ids the processor derives', async () => {
    const [command] = await fixture.given({ type: 'OrderPlaced', data: {} }, paid).thenCommands({
      ...ship,
      commandId: sagaCommandId('shipping', fixtureEventId(2n), 0),
      causationId: fixtureEventId(2n),
      correlationId: fixtureEventId(2n),
    });
    expect(command?.commandId).toBe(`shipping:${fixtureEventId(2n)}:0`);
    await fixture.given({ type: 'OrderPlaced', data: {} }).thenNoCommands();
  });

  it('answers commands as told: a rejection reaches the saga, which compensates', async () => {
    await fixture
      .given(paid)
      .answering((command) => (command.type === 'Ship' ? reject('no courier') : undefined))
      .thenCommands(ship, {
        domain: 'order',
        aggregateId: 'o-1',
        type: 'Cancel',
        data: { reason: 'no courier' },
      });
  });

  it('fails with a diff of the commands, and reports a saga that fails', async () => {
    const error = await fixture
      .given(paid)
      .thenCommands({ ...ship, aggregateId: 'o-2' })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toContain(
      "- { aggregateId: 'o-2', data: {}, domain: 'parcel', type: 'Ship' }\n+ { aggregateId: 'o-1', data: {}, domain: 'parcel', type: 'Ship' }",
    );
    const down = fixture.given(paid).answering(() => {
      throw new EventedError('UNAVAILABLE', 'parcel service down');
    });
    expect((await down.thenError('UNAVAILABLE')).message).toBe('parcel service down');
    await expect(down.thenNoCommands()).rejects.toThrow(
      'saga shipping failed: UNAVAILABLE: parcel service down',
    );
  });
});
