import { accessSync, constants } from 'node:fs';
import { isLoopback, parseHostPort } from './address.js';
import type { ConfigIssue } from './config-issues.js';
import type { ServerConfig } from './server-config.js';

/** What the bank example brings: its domains and its processors' names. */
const BANK = { domains: ['account', 'card'], processors: ['balances', 'transfers'] } as const;

/**
 * The checks that span fields or look outside the config: loopback addresses unless
 * `allowRemote`, readable TLS files, and names that would clash.
 */
export function checkConfig(config: ServerConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const field of ['listen', 'http'] as const) {
    const address = parseHostPort(config[field]);
    if (address && !config.allowRemote && !isLoopback(address.host)) {
      issues.push({
        path: [field],
        message:
          `${config[field]} can be reached from other machines; listen on 127.0.0.1, or set ` +
          'allowRemote: true (--allow-remote, EVENTED_ALLOW_REMOTE=true) and use tls and a token',
      });
    }
  }
  for (const [group, files] of [
    ['tls', config.tls],
    ['clientTls', config.clientTls],
  ] as const) {
    for (const [key, file] of Object.entries(files ?? {})) {
      if (file === undefined) continue;
      try {
        accessSync(file, constants.R_OK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        issues.push({ path: [group, key], message: `cannot read ${file} (${code})` });
      }
    }
  }
  const names = new Set<string>(config.example === 'bank' ? BANK.processors : []);
  for (const [group, processors] of [
    ['projectors', config.projectors],
    ['sagas', config.sagas],
  ] as const) {
    processors.forEach((processor, index) => {
      if (names.has(processor.name)) {
        issues.push({
          path: [group, index, 'name'],
          message: `a projector or saga is named ${processor.name} already${config.example === 'bank' ? ' (the bank example has balances and transfers; set example: none)' : ''}`,
        });
      }
      names.add(processor.name);
    });
  }
  if (config.example === 'bank') {
    for (const domain of BANK.domains) {
      if (config.domains[domain]) {
        issues.push({
          path: ['domains', domain],
          message: `the bank example runs the ${domain} domain in-process; set example: none`,
        });
      }
    }
  }
  return issues;
}
