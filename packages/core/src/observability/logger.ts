/**
 * The logger evented writes to: the subset of pino's API it uses, so a pino logger fits
 * as it is. Each method takes an object of facts first and a message second.
 */
export interface Logger {
  debug(facts: object, message: string): void;
  info(facts: object, message: string): void;
  warn(facts: object, message: string): void;
  error(facts: object, message: string): void;
}

/** The default: warnings and errors to stderr as one JSON line each; nothing else. */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn: (facts, message) => writeLine('warn', facts, message),
  error: (facts, message) => writeLine('error', facts, message),
};

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function writeLine(level: string, facts: object, message: string): void {
  const line = JSON.stringify(
    { level, time: new Date().toISOString(), msg: message, ...facts },
    (_key, value: unknown) =>
      typeof value === 'bigint'
        ? value.toString()
        : value instanceof Error
          ? { ...value, name: value.name, message: value.message }
          : value,
  );
  process.stderr.write(`${line}\n`);
}
