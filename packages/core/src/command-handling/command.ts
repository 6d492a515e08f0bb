import type { JsonObject, JsonValue, RecordedEvent } from '../event-store/types.js';

/** A request to change one aggregate, routed to its domain's business logic. */
export interface Command<Type extends string = string, Data = JsonValue> {
  readonly domain: string;
  readonly aggregateId: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: JsonObject;
  /** The idempotency key: a command whose id was handled before returns the first result. */
  readonly commandId?: string;
  /** Fail with `CONCURRENCY_CONFLICT` unless the aggregate is at this version; never retried. */
  readonly expectedVersion?: number;
  /** Ties together everything one request caused; defaults to the command id. */
  readonly correlationId?: string;
  /** The message that caused this command (a saga sets the event's id). */
  readonly causationId?: string;
}

/** What a dispatched command recorded. */
export interface CommandResult {
  readonly domain: string;
  readonly aggregateId: string;
  readonly commandId: string | undefined;
  /** The recorded events; empty when the business logic decided nothing. */
  readonly events: readonly RecordedEvent[];
  /** The aggregate's version after the command. */
  readonly version: number;
  /** True when the `commandId` was handled before and this is the first result again. */
  readonly duplicate: boolean;
}

/** Options of one dispatch. */
export interface DispatchOptions {
  /**
   * Names of processors (projectors, sagas) that must have handled the command's events
   * before `dispatch` resolves: read-your-writes on their read models.
   */
  readonly waitFor?: readonly string[];
  /** How long `waitFor` may take before failing with `TIMEOUT`; default 5 s. */
  readonly timeoutMs?: number;
}
