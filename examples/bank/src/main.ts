import { randomUUID } from 'node:crypto';
import type { Command, RecordedEvent } from '@evented/core';
import { EventedConfig, isEventedError } from '@evented/core';
import { buildBank } from './app.js';

/**
 * `npm start`: opens the bank on SQLite (in memory, or the file named by EVENTED_DB),
 * sends a few commands, and prints the commands, their events and the projected balances.
 */
const path = process.env['EVENTED_DB'];
const { evented, balances } = await buildBank(
  path ? EventedConfig.sqlite(path) : EventedConfig.inMemory(),
);
console.log(`evented bank example on SQLite ${path ? `file ${path}` : 'in memory'}\n`);

const run = `-${randomUUID().slice(0, 8)}`;
const alice = `alice${run}`;
const bob = `bob${run}`;
const commands: Command[] = [
  {
    domain: 'account',
    aggregateId: alice,
    type: 'OpenAccount',
    data: { owner: 'Alice', overdraftLimit: 5_000 },
  },
  { domain: 'account', aggregateId: bob, type: 'OpenAccount', data: { owner: 'Bob' } },
  { domain: 'account', aggregateId: alice, type: 'Deposit', data: { amount: 10_000 } },
  { domain: 'account', aggregateId: alice, type: 'Withdraw', data: { amount: 2_500 } },
  { domain: 'account', aggregateId: bob, type: 'Withdraw', data: { amount: 100 } },
  {
    domain: 'account',
    aggregateId: alice,
    type: 'SendTransfer',
    data: { transferId: 't-1', to: bob, amount: 4_000 },
  },
  {
    domain: 'account',
    aggregateId: alice,
    type: 'SendTransfer',
    data: { transferId: 't-2', to: 'nobody', amount: 1_000 },
  },
];

for (const [index, command] of commands.entries()) {
  const label = `${command.type} ${command.aggregateId} ${JSON.stringify(command.data)}`;
  try {
    const result = await evented.dispatch(
      { ...command, commandId: `command-${index + 1}${run}` },
      { waitFor: ['balances', 'transfers'] },
    );
    console.log(`> ${label}\n    ${result.events.map(describe).join('\n    ')}`);
  } catch (error) {
    if (!isEventedError(error, 'COMMAND_REJECTED')) throw error;
    console.log(`> ${label}\n    rejected: ${String(error.details['reason'])}`);
  }
}

// The saga's commands (credit Bob, refund Alice) made events of their own.
await evented.waitForProcessors();
console.log('\nthe log, with what the transfers saga caused:');
const log = await evented.storage.eventStore.readAll({ limit: 100 });
for (const event of log.events) {
  const cause = event.causationId ? ` caused by ${event.causationId}` : '';
  console.log(
    `  ${String(event.position).padStart(2)} ${event.aggregateId} ${describe(event)}${cause}`,
  );
}

console.log('\nbalances (projected):');
for (const row of balances.list()) {
  console.log(
    `  ${row.owner.padEnd(6)} ${row.accountId.padEnd(16)} ${(row.balance / 100).toFixed(2).padStart(9)}`,
  );
}
console.log('\nprocessors:');
for (const status of evented.processors()) {
  console.log(
    `  ${status.kind.padEnd(9)} ${status.name.padEnd(10)} ${status.state} at position ${status.checkpoint}`,
  );
}
await evented.close();

function describe(event: RecordedEvent): string {
  return `v${event.version} ${event.type} ${JSON.stringify(event.data)}`;
}
