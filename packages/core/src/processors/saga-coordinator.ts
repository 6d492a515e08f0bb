import { createHash } from 'node:crypto';
import type { Command, CommandResult } from '../command-handling/command.js';
import type { RecordedEvent } from '../event-store/types.js';
import { atLeastOnce } from './delivery.js';
import type { ProcessorOptions } from './processor.js';
import type { ProcessorGroupDependencies } from './processor-group.js';
import { ProcessorGroup } from './processor-group.js';
import { ProcessorCoordinator } from './processor-coordinator.js';
import type { Saga, SagaCommand, SagaContext } from './saga.js';

/** Sends a saga's commands: the command handler, in the embedded facade. */
export type CommandSender = (command: Command) => Promise<CommandResult>;

/** Runs sagas: one processor each, whose commands carry ids derived from their cause. */
export class SagaCoordinator extends ProcessorCoordinator {
  constructor(
    sagas: readonly Saga[],
    send: CommandSender,
    deps: ProcessorGroupDependencies,
    options: ProcessorOptions = {},
  ) {
    super(
      sagas.map((saga) => {
        const delivery = atLeastOnce(deps.checkpointStore, (event) =>
          saga.handle(event, sagaContext(saga.name, event, send)),
        );
        return new ProcessorGroup(
          { name: saga.name, kind: 'saga', filter: saga.filter, delivery },
          deps,
          { ...options, ...saga.processorOptions },
        );
      }),
    );
  }
}

const MAX_READABLE_ID = 200;

/**
 * The command id of a saga's `index`th command for an event: readable when short enough,
 * a hash of the same parts otherwise. The same event always yields the same ids.
 */
export function sagaCommandId(saga: string, eventId: string, index: number): string {
  const readable = `${saga}:${eventId}:${index}`;
  if (Buffer.byteLength(readable) <= MAX_READABLE_ID) return readable;
  return `saga:${createHash('sha256').update(readable).digest('hex')}`;
}

function sagaContext(saga: string, event: RecordedEvent, send: CommandSender): SagaContext {
  let issued = 0;
  return {
    processor: saga,
    dispatch(command: SagaCommand): Promise<CommandResult> {
      const index = issued++;
      return send({
        ...command,
        commandId: command.commandId ?? sagaCommandId(saga, event.id, index),
        correlationId: event.correlationId ?? event.id,
        causationId: event.id,
      });
    },
  };
}
