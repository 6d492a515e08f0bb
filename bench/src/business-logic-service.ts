#!/usr/bin/env node
import { account } from '@evented/example-bank';
import { serveBusinessLogic } from '@evented/grpc';

// The bank example's `account` decider as a BusinessLogicService, for the
// `evented-grpc-remote-c16` target: `node business-logic-service.js [host:port]` prints one
// JSON line with the address it listens on, and stops on SIGTERM or SIGINT.
const service = await serveBusinessLogic(
  { account },
  { address: process.argv[2] ?? '127.0.0.1:0' },
);
process.stdout.write(
  `${JSON.stringify({ msg: 'business logic listening', address: service.address })}\n`,
);

const stop = (): void => {
  // The evented server is stopped first; should a connection linger, do not wait for it.
  setTimeout(() => process.exit(0), 5_000).unref();
  void service.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
