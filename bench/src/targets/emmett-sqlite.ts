import { CommandHandler } from '@event-driven-io/emmett';
import {
  getSQLiteEventStore,
  readMessagesBatch,
  SQLiteConnectionPool,
} from '@event-driven-io/emmett-sqlite';
import { account } from '@evented/example-bank';
import type { AccountEvent, AccountState } from '@evented/example-bank';
import { decideAccount } from '../bank.js';
import { emmettConflict, EmmettWorkarounds } from './emmett-workarounds.js';
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

/**
 * @event-driven-io/emmett-sqlite in its default configuration on a file: `getSQLiteEventStore`
 * with only a file name, which opens a new sqlite3 connection per operation (WAL; sqlite3's
 * default `synchronous` is FULL). W5 goes through Emmett's `CommandHandler`.
 */
export const emmettSqlite: StoreTargetInfo = {
  name: 'emmett-sqlite',
  database: 'sqlite',
  role: 'peer',
  kind: 'store',
  async open(path) {
    const workarounds = new EmmettWorkarounds();
    workarounds.install();
    const store = getSQLiteEventStore({ fileName: path });
    await store.schema.migrate();
    // The store has no read-all; its consumer pulls pages with readMessagesBatch through a
    // pool, sleeping 50 ms or more between pages, so the workload calls the same function.
    const pool = SQLiteConnectionPool({ fileName: path });
    return {
      async appendToStream(s, events, expected) {
        const append = () =>
          store.appendToStream(streamName(s), [...events], {
            expectedStreamVersion: BigInt(expected),
          });
        try {
          const result = await workarounds.retryBusy(append);
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
        const page = await pool.withConnection((c) =>
          readMessagesBatch(c, { after, batchSize: limit }),
        );
        return {
          events: page.messages.map((e) => toReadBack(e as EmmettRead)),
          position: page.currentGlobalPosition,
          isEnd: !page.areEventsLeft,
        };
      },
      async handleCommand(command) {
        const decide = (state: AccountState) => decideAccount(command, state);
        await workarounds.retryBusy(() => handleAccount(store, command.aggregateId, decide));
      },
      get notes() {
        const connections = 'a new sqlite3 connection per operation (Emmett default for files)';
        return [connections, workarounds.notes].filter(Boolean).join('; ');
      },
      async close() {
        await pool.close();
        workarounds.uninstall();
      },
    };
  },
};
