import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('npm run example', () => {
  it('runs the bank example and prints commands, events and projected balances', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [main], {
      timeout: 20_000,
    });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/> Withdraw bob-\S+ \{"amount":100\}\n\s+rejected: insufficient funds/);
    expect(stdout).toMatch(/TransferReceived .* caused by transfers:/);
    expect(stdout).toMatch(/TransferRefunded .*"reason":"account is not open"/);
    expect(stdout).toMatch(/Alice\s+alice-\S+\s+35\.00/);
    expect(stdout).toMatch(/Bob\s+bob-\S+\s+40\.00/);
    expect(stdout).toMatch(/projector balances\s+live at position 8/);
  });
});
