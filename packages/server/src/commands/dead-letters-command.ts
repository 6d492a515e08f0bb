import { Command } from 'commander';
import type { DeadLetter, DeadLetterQuery } from '@evented/core';
import { invalidArgument } from '@evented/core/internal';
import type { ClientFlags } from './client-options.js';
import { withClient, withClientOptions } from './client-options.js';
import { print, toJsonLine } from './format-event.js';
import { printTable } from './format-processor.js';

interface ListFlags extends ClientFlags {
  readonly aggregate?: string;
  readonly after?: string;
  readonly limit?: string;
}

/**
 * `evented processors dead-letters list|retry|skip`: the events a processor parked
 * (`onPoison: 'park'`), and handling an aggregate's parked events again or dropping them.
 */
export function deadLettersCommand(): Command {
  const list = withClientOptions(
    new Command('list')
      .argument('<name>', 'the processor')
      .description('the events a processor parked, in log order')
      .option('--aggregate <domain/id>', "only this aggregate's")
      .option('--after <position>', 'only events after this position, to page')
      .option('--limit <n>', 'at most this many (default 100, at most 10000)'),
  ).action(async (name: string, flags: ListFlags) => {
    await withClient(flags, async (client) => {
      const letters = await client.deadLetters(name, query(flags));
      if (flags.json) return letters.forEach((letter) => print(letterJson(letter)));
      printTable(
        ['position', 'aggregate', 'type', 'reason', 'attempts', 'parked', 'error'],
        letters.map((letter) => ({
          position: letter.event.position.toString(),
          aggregate: `${letter.event.domain}/${letter.event.aggregateId}`,
          type: letter.event.type,
          reason: letter.reason,
          attempts: letter.attempts.toString(),
          parked: letter.parkedAt.toISOString(),
          error: [letter.code, letter.message].filter(Boolean).join(': '),
        })),
      );
    });
  });
  const retry = withClientOptions(
    new Command('retry')
      .argument('<name>', 'the processor')
      .argument('<domain>', "the aggregate's domain")
      .argument('<aggregateId>', 'the aggregate')
      .description(
        "handle an aggregate's parked events again, in order; then its later events flow",
      ),
  ).action(async (name: string, domain: string, aggregateId: string, flags: ClientFlags) => {
    await withClient(flags, async (client) => {
      const handled = await client.retryParked(name, { domain, aggregateId });
      print(`retried ${handled} parked events of ${domain}/${aggregateId} in ${name}`);
    });
  });
  const skip = withClientOptions(
    new Command('skip')
      .argument('<name>', 'the processor')
      .argument('<domain>', "the aggregate's domain")
      .argument('<aggregateId>', 'the aggregate')
      .description("drop an aggregate's parked events unhandled; then its later events flow"),
  ).action(async (name: string, domain: string, aggregateId: string, flags: ClientFlags) => {
    await withClient(flags, async (client) => {
      const removed = await client.skipParked(name, { domain, aggregateId });
      print(`skipped ${removed} parked events of ${domain}/${aggregateId} in ${name}`);
    });
  });
  return new Command('dead-letters')
    .description('the events processors parked: list, retry, skip')
    .addCommand(list)
    .addCommand(retry)
    .addCommand(skip);
}

function query(flags: ListFlags): DeadLetterQuery {
  let stream: { domain: string; aggregateId: string } | undefined;
  if (flags.aggregate !== undefined) {
    const slash = flags.aggregate.indexOf('/');
    if (slash <= 0 || slash === flags.aggregate.length - 1) {
      throw invalidArgument('--aggregate', `must be domain/aggregateId, found ${flags.aggregate}`);
    }
    stream = {
      domain: flags.aggregate.slice(0, slash),
      aggregateId: flags.aggregate.slice(slash + 1),
    };
  }
  return {
    ...stream,
    ...(flags.after !== undefined && { after: whole('--after', flags.after) }),
    ...(flags.limit !== undefined && { limit: Number(whole('--limit', flags.limit)) }),
  };
}

function whole(flag: string, text: string): bigint {
  if (!/^\d+$/.test(text)) throw invalidArgument(flag, `must be a whole number, found ${text}`);
  return BigInt(text);
}

function letterJson(letter: DeadLetter): string {
  return toJsonLine({
    processor: letter.processor,
    position: letter.event.position,
    eventId: letter.event.id,
    domain: letter.event.domain,
    aggregateId: letter.event.aggregateId,
    version: letter.event.version,
    type: letter.event.type,
    data: letter.event.data,
    reason: letter.reason,
    message: letter.message,
    code: letter.code ?? null,
    attempts: letter.attempts,
    parkedAt: letter.parkedAt.toISOString(),
  });
}
