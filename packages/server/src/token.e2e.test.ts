import { afterEach, describe, expect, it } from 'vitest';
import { cli, killServers, serve } from './cli-process.fixture.js';

afterEach(killServers);

describe('evented serve --token', () => {
  it('refuses calls without the token with UNAUTHENTICATED, and takes them with it', async () => {
    const server = await serve([
      '--listen',
      '127.0.0.1:0',
      '--http',
      'off',
      '--store',
      'memory',
      '--token',
      's3cret',
    ]);
    expect(server.logs.at(-1)).toMatchObject({ token: true });
    const dispatch = [
      'dispatch',
      'account',
      'ann',
      'OpenAccount',
      '{"owner":"Ann"}',
      '--server',
      server.grpc,
    ];

    const anonymous = await cli(dispatch);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^error UNAUTHENTICATED: /);
    const wrong = await cli(['events', '--server', server.grpc, '--token', 'guess']);
    expect(wrong.stderr).toMatch(/^error UNAUTHENTICATED: /);

    expect(await cli([...dispatch, '--token', 's3cret'])).toMatchObject({ code: 0, stderr: '' });
    const fromEnv = await cli(['events', '--server', server.grpc], { EVENTED_TOKEN: 's3cret' });
    expect(fromEnv.stdout).toBe(
      '1 account/ann v1 AccountOpened {"owner":"Ann","overdraftLimit":0}\n',
    );
  });
});
