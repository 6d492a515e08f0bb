import { describe, it } from 'vitest';

/** Whether a real server (PostgreSQL, Redis, ...) can be reached, and if not, why. */
export type ServiceAvailability =
  { readonly available: true } | { readonly available: false; readonly reason: string };

/** True when `EVENTED_REQUIRE_SERVICES=1`: CI, where a suite must never skip its server. */
export function servicesRequired(): boolean {
  return process.env['EVENTED_REQUIRE_SERVICES'] === '1';
}

/** Runs `probe` (a connect and a ping) with a time limit and reports the outcome. */
export async function probeService(
  name: string,
  probe: () => Promise<void>,
  timeoutMs = 3_000,
): Promise<ServiceAvailability> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { available: true };
  } catch (error) {
    return { available: false, reason: `${name} unreachable: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A `describe` for tests against a real server. When the server is unreachable it fails
 * under `EVENTED_REQUIRE_SERVICES=1` and otherwise skips, saying why in the suite's name.
 *
 * ```ts
 * const postgres = await probeService('PostgreSQL', () => ping(url));
 * describeWithService('PostgreSQL event store', postgres, () => { ... });
 * ```
 */
export function describeWithService(
  name: string,
  availability: ServiceAvailability,
  body: () => void,
): void {
  if (availability.available) {
    describe(name, body);
  } else if (servicesRequired()) {
    describe(name, () => {
      it('reaches its server (EVENTED_REQUIRE_SERVICES=1)', () => {
        throw new Error(availability.reason);
      });
    });
  } else {
    describe.skipIf(true)(
      `${name} — skipped: ${availability.reason}; set EVENTED_REQUIRE_SERVICES=1 to fail instead`,
      body,
    );
  }
}
