import { CommandHandler } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore, readMessagesBatch } from '@event-driven-io/emmett-postgresql';
import { dumbo } from '@event-driven-io/dumbo';
import { account } from '@evented/example-bank';
import type { AccountEvent, AccountState } from '@evented/example-bank';
import { decideAccount } from '../bank.js';
import { dropSchema, postgresAdmin, postgresUrl, uniqueName } from './servers.js';
import { emmettConflict } from './emmett-workarounds.js';
import type { ReadBackEvent, StoreTargetInfo, StreamRef } from './target.js';

interface EmmettRead {
  type: string;
  data: unknown;
  metadata: { streamPosition: bigint };
}

const toReadBack = (e: EmmettRead): ReadBackEvent => ({
  type: e.type,
  version: Number(e.metadata.streamPosition),
  data: e.data,
});

// Emmett derives the stream type from the name's prefix before the first '-'.
const streamName = (s: StreamRef): string => `${s.domain}-${s.aggregateId}`;

const handleAccount = CommandHandler<AccountState, AccountEvent>({
  evolve: account.evolve,
  initialState: account.initialState,
  mapToStreamId: (id) => `account-${id}`,
});

/** The connection string with `search_path` set to `schema`: Emmett has no schema option. */
function inSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/**
 * @event-driven-io/emmett-postgresql in its default configuration (`getPostgreSQLEventStore`
 * with only a connection string: a pooled dumbo connection, schema migrated on first use),
 * in a fresh schema (through `search_path`, as Emmett has no schema option) dropped
 * afterwards. W4 calls `readMessagesBatch` on a dumbo pool as Emmett's consumer does,
 * without its sleeps; W5 goes through Emmett's `CommandHandler`.
 */
export const emmettPostgres: StoreTargetInfo = {
  name: 'emmett-postgres',
  database: 'postgres',
  role: 'peer',
  kind: 'store',
  async open() {
    const schema = uniqueName('bench_emmett');
    const admin = await postgresAdmin();
    try {
      await admin.query(`CREATE SCHEMA "${schema}"`);
    } finally {
      await admin.end();
    }
    const url = inSchema(postgresUrl, schema);
    const store = getPostgreSQLEventStore(url);
    await store.schema.migrate();
    const pool = dumbo({ connectionString: url });
    return {
      async appendToStream(s, events, expected) {
        try {
          const result = await store.appendToStream(streamName(s), [...events], {
            expectedStreamVersion: BigInt(expected),
          });
          return Number(result.nextExpectedStreamVersion);
        } catch (error) {
          throw emmettConflict(error);
        }
      },
      async readStream(s) {
        const result = await store.readStream(streamName(s));
        return result.events.map((e) => toReadBack(e as EmmettRead));
      },
      async readAll(after, limit) {
        const page = await readMessagesBatch(pool.execute, { after, batchSize: limit });
        return {
          events: page.messages.map((e) => toReadBack(e as EmmettRead)),
          position: page.currentGlobalPosition,
          isEnd: !page.areMessagesLeft,
        };
      },
      async handleCommand(command) {
        const decide = (state: AccountState) => decideAccount(command, state);
        await handleAccount(store, command.aggregateId, decide);
      },
      notes: 'getPostgreSQLEventStore defaults (pooled)',
      async close() {
        await pool.close();
        await store.close();
        await dropSchema(schema);
      },
    };
  },
};
