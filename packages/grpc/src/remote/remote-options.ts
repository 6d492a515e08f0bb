import { setTimeout as sleep } from 'node:timers/promises';
import { isEventedError } from '@evented/core';
import type { ChannelOptions } from '../client/channel.js';

/** How evented calls a user's service. */
export interface RemoteServiceOptions extends ChannelOptions {
  /** The deadline of one call; default 5 s. */
  readonly deadlineMs?: number;
  /** Retries after UNAVAILABLE, with doubling backoff; default 3. */
  readonly retries?: number;
  /** The first retry's delay; default 50 ms. */
  readonly backoffMs?: number;
}

/** Defaults of {@link RemoteServiceOptions}. */
export const defaultRemoteServiceOptions = {
  deadlineMs: 5_000,
  retries: 3,
  backoffMs: 50,
} as const;

/** Runs a call, retrying while the service is UNAVAILABLE. */
export async function withRetries<T>(
  options: RemoteServiceOptions,
  call: () => Promise<T>,
): Promise<T> {
  const retries = options.retries ?? defaultRemoteServiceOptions.retries;
  const backoffMs = options.backoffMs ?? defaultRemoteServiceOptions.backoffMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isEventedError(error, 'UNAVAILABLE') || attempt >= retries) throw error;
      await sleep(backoffMs * 2 ** attempt);
    }
  }
}
