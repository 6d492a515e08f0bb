import { afterEach, expect, it } from 'vitest';
import type { PostgresClient } from '@evented/postgres';
import { Evented, EventedConfig, silentLogger } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import { postgresProjector } from '@evented/postgres';
import {
  dropSchema,
  POSTGRES_URL,
  postgres,
  uniqueSchema,
  useDatabaseLock,
} from './test-support/postgres-service.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describeWithService('PostgreSQL: a projector whose session is ended mid-page', postgres, () => {
  useDatabaseLock('shared');

  it('waits the outage out instead of counting it as a failure of the event', async () => {
    const schema = uniqueSchema('session');
    let terminations = 2;
    const seen: number[] = [];
    const projector = postgresProjector({
      name: 'ticks',
      async handle(event, client: PostgresClient) {
        if (terminations > 0) {
          terminations -= 1;
          // The server ends this very session: what a restart or an idle timeout does.
          await client.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }
        seen.push(Number(event.position));
      },
    });
    const evented = await Evented.builder({
      ...EventedConfig.postgres(POSTGRES_URL, { schema }),
      logger: silentLogger,
      // One attempt: were the lost session counted against the event, the processor would stop.
      processors: { maxAttempts: 1, retryBackoffMs: 5 },
    })
      .withBusinessLogic('tick', {
        handle: () => ({ events: [{ type: 'Ticked', data: {} }] }),
      })
      .withProjector(projector)
      .build();
    cleanups.push(async () => {
      await evented.close();
      await dropSchema(schema);
    });
    const result = await evented.dispatch(
      { domain: 'tick', aggregateId: 'clock', type: 'Tick', data: {} },
      { waitFor: ['ticks'], timeoutMs: 10_000 },
    );
    expect(terminations).toBe(0);
    expect(evented.processors()[0]).toMatchObject({ state: 'live', failure: undefined });
    expect(seen).toEqual([Number(result.events[0]!.position)]);
  });
});
