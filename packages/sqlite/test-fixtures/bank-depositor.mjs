// A child of crash-recovery.test.ts: the bank on a SQLite file, sending deposits as fast as
// it can until it is killed. argv: <file> <client> <accounts> <first>. It opens the accounts,
// then sends deposit number <first>, <first> + 1, ... with the command id `<client>-<n>`, so a
// restarted child resends the one that was in flight at the crash. After each acknowledged
// dispatch it writes one JSON line to stdout (a synchronous write on a pipe).
import { EventedConfig } from '@evented/core';
import { buildBank } from '@evented/example-bank';

const [file, client, accountsArg, firstArg] = process.argv.slice(2);
const accounts = Number(accountsArg);

// One node id for every run: a restarted bank resumes its processors' segments at once.
const { evented } = await buildBank({ ...EventedConfig.sqlite(file), nodeId: 'crash-test' });

for (let a = 0; a < accounts; a++) {
  await evented.dispatch({
    domain: 'account',
    aggregateId: `account-${a}`,
    type: 'OpenAccount',
    data: { owner: `owner ${a}` },
    commandId: `open-account-${a}`,
  });
}

for (let n = Number(firstArg); ; n++) {
  const result = await evented.dispatch({
    domain: 'account',
    aggregateId: `account-${n % accounts}`,
    type: 'Deposit',
    data: { amount: depositAmount(n) },
    commandId: `${client}-${n}`,
  });
  const [event] = result.events;
  const ack = {
    n,
    commandId: result.commandId,
    aggregateId: result.aggregateId,
    version: result.version,
    position: String(event.position),
    duplicate: result.duplicate,
  };
  process.stdout.write(`${JSON.stringify(ack)}\n`);
}

/** The amount of deposit number n; the test computes it the same way. */
function depositAmount(n) {
  return (n % 997) + 1;
}
