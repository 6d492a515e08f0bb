import type { CommandResult } from '../command-handling/command.js';
import type { Command } from '../command-handling/command.js';
import type { EventFilter } from '../event-store/event-store.js';
import type { RecordedEvent } from '../event-store/types.js';
import type { ProcessorOptions } from './processor.js';

/** A command a saga issues; evented fills in the ids that make it safe to replay. */
export type SagaCommand = Omit<Command, 'correlationId' | 'causationId'>;

/** What a saga's `handle` receives besides the event. */
export interface SagaContext {
  readonly processor: string;
  /**
   * Dispatches a command caused by the event. Its `commandId` defaults to one derived from
   * the saga, the event and the call's order in this `handle`, so handling the event
   * again (a retry, a replay, a restart) issues no second effect. Rejections reach the
   * saga as `COMMAND_REJECTED` errors, for it to compensate.
   */
  dispatch(command: SagaCommand): Promise<CommandResult>;
}

/** A workflow across aggregates: it consumes events and issues commands. */
export interface Saga {
  readonly name: string;
  /** Only events matching this are handled; the checkpoint still moves past the others. */
  readonly filter?: EventFilter;
  handle(event: RecordedEvent, context: SagaContext): void | Promise<void>;
  /** Overrides the application's processor options for this saga. */
  readonly processorOptions?: ProcessorOptions;
}
