// A child of crash-recovery.test.ts: a transactional SQLite projector over a file that
// stops dead inside its transaction. argv: <file> <stopAt>. It counts how often each event
// was handled, in pages of 5; at the event with data.n === stopAt it writes `inside` to
// stdout and blocks there, holding the page's transaction open, until it is killed.
import { Evented, EventedConfig } from '@evented/core';
import { sqliteProjector } from '@evented/sqlite';

const [file, stopAtArg] = process.argv.slice(2);
const stopAt = Number(stopAtArg);

const counter = sqliteProjector({
  name: 'counter',
  schema: 'CREATE TABLE IF NOT EXISTS handled (event_id TEXT PRIMARY KEY, times INTEGER NOT NULL)',
  handle(event, db) {
    db.prepare(
      'INSERT INTO handled (event_id, times) VALUES (?, 1) ON CONFLICT (event_id) DO UPDATE SET times = times + 1',
    ).run(event.id);
    if (event.data.n === stopAt) {
      process.stdout.write('inside\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
    }
  },
});

// nodeId: the test reopens the file as the same node, which resumes the segment at once.
await Evented.builder({
  ...EventedConfig.sqlite(file),
  processors: { batchSize: 5 },
  nodeId: 'crash-test',
})
  .withProjector(counter)
  .build();
