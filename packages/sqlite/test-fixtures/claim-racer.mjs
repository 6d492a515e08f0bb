// A child of claim-store.test.ts: one node competing with others for the segments of one
// processor on the same SQLite file. argv: <file> <node> <segments> <durationMs>. Over IPC
// it sends `ready` once the file is open, waits for `go`, then claims segments with short
// leases and writes a ledger row with each fenced checkpoint, sometimes pausing past its
// lease first, and sends its tally as `done`.
import { setTimeout as sleep } from 'node:timers/promises';
import { isEventedError, START } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';

const [file, node, segmentsArg, durationArg] = process.argv.slice(2);
const segments = Number(segmentsArg);
const LEASE_MS = 30;

const storage = await openSqliteStorage(file);
const { claimStore, checkpointStore } = storage;
await new Promise((resolve) => {
  process.once('message', resolve);
  process.send({ type: 'ready' });
});

const deadline = Date.now() + Number(durationArg);
const errors = [];
let written = 0;
let fenced = 0;
while (Date.now() < deadline) {
  const segment = Math.floor(Math.random() * segments);
  try {
    const fence = await claimStore.claim('ledger', segment, node, LEASE_MS);
    if (!fence) continue;
    // Now and then the node stalls past its lease (a GC pause, SIGSTOP) before writing.
    if (Math.random() < 0.2) await sleep(LEASE_MS + 20);
    await checkpointStore.saveCheckpointWith(
      `ledger@${segment}/${segments}`,
      START,
      (db) => {
        db.prepare('INSERT INTO ledger (segment, node, token) VALUES (?, ?, ?)').run(
          segment,
          node,
          fence.token,
        );
      },
      fence,
    );
    written += 1;
  } catch (error) {
    if (isEventedError(error, 'FENCED')) fenced += 1;
    else errors.push({ code: error?.code, message: String(error?.message ?? error) });
  }
  await sleep(Math.random() * 5);
}
await storage.close();
process.send({ type: 'done', node, written, fenced, errors }, () => process.exit(0));
