import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Runs the Python SDK's unittest suite (clients/python/run-tests.sh) from `npm test`. It
 * needs Debian's python3-grpcio, python3-protobuf, protobuf-compiler, protobuf-compiler-grpc
 * and libprotobuf-dev; `.ci/run` installs them. Without them the suite is skipped, unless
 * EVENTED_REQUIRE_SERVICES=1, where it fails.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const required = process.env.EVENTED_REQUIRE_SERVICES === '1';

function missingDebianPackages(): string[] {
  const missing: string[] = [];
  const python = spawnSync('/usr/bin/python3', ['-c', 'import grpc, google.protobuf'], {
    stdio: 'ignore',
  });
  if (python.status !== 0) missing.push('python3-grpcio', 'python3-protobuf');
  if (!existsSync('/usr/bin/protoc')) missing.push('protobuf-compiler');
  if (!existsSync('/usr/bin/grpc_python_plugin')) missing.push('protobuf-compiler-grpc');
  if (!existsSync('/usr/include/google/protobuf/struct.proto')) missing.push('libprotobuf-dev');
  return missing;
}

const missing = missingDebianPackages();
const skipped = missing.length > 0 && !required;
const title = skipped
  ? `Python SDK (skipped: Debian packages missing: ${missing.join(', ')}; install them or set EVENTED_REQUIRE_SERVICES=1 to fail)`
  : 'Python SDK';

describe.skipIf(skipped)(title, () => {
  it('passes its unittest suite: generate.sh, then /usr/bin/python3 -m unittest', () => {
    expect(missing, 'Debian packages the Python SDK needs are not installed').toEqual([]);
    const run = spawnSync('bash', ['clients/python/run-tests.sh'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    if (run.status !== 0) console.error(output);
    expect(run.error, output).toBeUndefined();
    expect(run.status, output).toBe(0);
  });
});
