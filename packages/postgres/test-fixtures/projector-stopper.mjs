// A child of postgres-projector.int.test.ts: a transactional PostgreSQL projector that stops
// dead inside its transaction. argv: <url> <schema> <stopAt>. It counts how often each event
// was handled, in pages of 5; at the event with data.n === stopAt it writes `inside` to
// stdout and waits there, holding the page's transaction open, until it is killed.
import { Evented, EventedConfig } from '@evented/core';
import { postgresProjector } from '@evented/postgres';

const [url, schema, stopAtArg] = process.argv.slice(2);
const stopAt = Number(stopAtArg);

const counter = postgresProjector({
  name: 'counter',
  schema: `CREATE TABLE IF NOT EXISTS "${schema}".handled
    (event_id uuid PRIMARY KEY, seq bigserial NOT NULL, times integer NOT NULL)`,
  async handle(event, client) {
    await client.query(
      `INSERT INTO "${schema}".handled (event_id, times) VALUES ($1, 1)
       ON CONFLICT (event_id) DO UPDATE SET times = handled.times + 1`,
      [event.id],
    );
    if (event.data.n === stopAt) {
      process.stdout.write('inside\n');
      await new Promise(() => setInterval(() => undefined, 1000));
    }
  },
});

// nodeId: the test reopens the schema as the same node, which resumes the segment at once.
await Evented.builder({
  ...EventedConfig.postgres(url, { schema }),
  processors: { batchSize: 5 },
  nodeId: 'crash-test',
})
  .withProjector(counter)
  .build();
