#!/usr/bin/env node
import { isEventedError } from '@evented/core';
import { evented } from './program.js';

// The `evented` executable. A failed call prints `error CODE: message` and exits 1, where
// CODE is one of evented's stable error codes (COMMAND_REJECTED, UNAVAILABLE, ...).
try {
  await evented().parseAsync(process.argv);
} catch (error) {
  const code = isEventedError(error) ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error ${code}: ${message}\n`);
  process.exitCode = 1;
}
