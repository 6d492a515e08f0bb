import { afterEach, describe, expect, it } from 'vitest';
import type { Evented } from '@evented/core';
import { createEvented, isEventedError, silentLogger } from '@evented/core';
import { resolveServerConfig } from '../config/resolve-config.js';
import { applicationConfig } from './application-config.js';

const running: Evented[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((evented) => evented.close()));
});

describe('applicationConfig with the bank example', () => {
  it('runs the account decider and the card class in-process', async () => {
    const config = resolveServerConfig({ env: {}, flags: { store: 'memory' } });
    const app = applicationConfig(config, silentLogger);
    expect(Object.keys(app.config.domains ?? {}).sort()).toEqual(['account', 'card']);
    const evented = await createEvented({ ...app.config, projectors: [], sagas: [] });
    running.push(evented);
    const issue = {
      domain: 'card',
      aggregateId: 'card-1',
      type: 'IssueCard',
      data: { accountId: 'acc-1', holder: 'Ann', dailyLimit: 100 },
    };
    expect((await evented.dispatch(issue)).version).toBe(1);
    const again = await evented.dispatch(issue).catch((error: unknown) => error);
    expect(isEventedError(again, 'COMMAND_REJECTED') && again.details['lifecycle']).toBe('exists');
  });
});
