// A child of multi-process-append.test.ts: one writer racing others on the same SQLite file.
// argv: <file> <writer> <attempts> <streams>. Over IPC it sends `ready` once the file is
// open, waits for `go`, then read-decide-appends in a loop and sends its tally as `done`.
import { setTimeout as sleep } from 'node:timers/promises';
import { isEventedError } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';

const [file, writer, attemptsArg, streamsArg] = process.argv.slice(2);
const attempts = Number(attemptsArg);
const streams = Number(streamsArg);

const storage = await openSqliteStorage(file);
const { eventStore } = storage;
await new Promise((resolve) => {
  process.once('message', resolve);
  process.send({ type: 'ready' });
});

const wins = [];
const errors = [];
let conflicts = 0;
for (let attempt = 0; attempt < attempts; attempt++) {
  // Every writer walks the streams in the same blocks, so all of them fight over one at a time.
  const stream = {
    domain: 'race',
    aggregateId: `stream-${Math.floor((attempt * streams) / attempts)}`,
  };
  let expected;
  try {
    expected = await eventStore.streamVersion(stream);
    // A command handler decides between reading and appending; the others append meanwhile.
    await sleep(1);
    const result = await eventStore.appendToStream(
      stream,
      [{ type: 'Raced', data: { writer, attempt } }],
      { expectedVersion: expected },
    );
    if (result.version !== expected + 1 || result.duplicate) {
      errors.push({ code: 'WRONG_VERSION', details: { expected, version: result.version } });
    }
    wins.push({
      aggregateId: stream.aggregateId,
      attempt,
      version: result.version,
      position: String(result.events[0].position),
    });
  } catch (error) {
    if (isEventedError(error, 'CONCURRENCY_CONFLICT')) {
      conflicts += 1;
      // The conflict names what was expected and what was found, which only grows.
      const { expected: named, actual } = error.details;
      if (named !== expected || !(actual > expected)) {
        errors.push({ code: 'BAD_CONFLICT_DETAILS', details: { named, actual, expected } });
      }
    } else {
      errors.push({
        code: isEventedError(error) ? error.code : String(error?.code ?? 'NOT_EVENTED'),
        message: String(error?.message ?? error),
      });
    }
  }
}
await storage.close();
process.send({ type: 'done', writer, wins, conflicts, errors }, () => process.exit(0));
