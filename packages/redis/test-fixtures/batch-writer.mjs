// Appends batches of three events to a few streams as fast as it can, from several
// concurrent loops, and prints one JSON line per acknowledged append. The test kills it
// with SIGKILL at some moment and checks what the store kept.
// Usage: node batch-writer.mjs <redis-url> <prefix> <loops>
import { randomUUID } from 'node:crypto';
import { openRedisStorage } from '@evented/redis';

const [url, prefix, loops = '4'] = process.argv.slice(2);
const storage = await openRedisStorage(url, { prefix });

async function loop(writer) {
  const stream = { domain: 'crash', aggregateId: `writer-${writer}` };
  for (let batch = 0; ; batch++) {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const events = ids.map((id, part) => ({ id, type: 'Part', data: { writer, batch, part } }));
    const result = await storage.eventStore.appendToStream(stream, events, {
      expectedVersion: batch * 3,
      commandId: `writer-${writer}-batch-${batch}`,
    });
    process.stdout.write(
      `${JSON.stringify({
        aggregateId: stream.aggregateId,
        version: result.version,
        ids: result.events.map((e) => e.id),
        positions: result.events.map((e) => String(e.position)),
      })}\n`,
    );
  }
}

await Promise.all(Array.from({ length: Number(loops) }, (_, w) => loop(w)));
