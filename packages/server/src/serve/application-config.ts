import type { DomainRegistration, Logger, Projector, Saga } from '@evented/core';
import { EventedConfig, EventedError, fromAggregate, fromDecider } from '@evented/core';
import { account, balancesProjector, Card, transfers } from '@evented/example-bank';
import type { RemoteServiceOptions } from '@evented/grpc';
import { remoteBusinessLogic, remoteProjector, remoteSaga } from '@evented/grpc';
import type { ServerConfig } from '../config/server-config.js';
import { parseStore } from '../config/store-location.js';
import type { StoreLocation } from '../config/store-location.js';
import { readClientTls } from './tls-files.js';

function baseConfig(store: StoreLocation, config: ServerConfig): EventedConfig {
  switch (store.kind) {
    case 'memory':
      return EventedConfig.inMemory();
    case 'sqlite':
      return EventedConfig.sqlite(store.path, { synchronous: config.synchronous });
    case 'postgres':
      return EventedConfig.postgres(store.url, {
        ...(config.postgresSchema !== undefined && { schema: config.postgresSchema }),
      });
    case 'redis':
      return EventedConfig.redis(store.url, {
        ...(config.redisPrefix !== undefined && { prefix: config.redisPrefix }),
      });
  }
}

/** The core config a server runs, and how to end its channels to remote services. */
export interface ApplicationConfig {
  readonly config: EventedConfig;
  /** Closes the channels to remote services; call after `evented.close()`. */
  close(): void;
}

/**
 * Turns the server's settings into one core `EventedConfig`: the store, remote business
 * logic per domain, remote projectors and sagas (each with a checkpoint the server keeps),
 * and the bank example in-process when asked.
 */
export function applicationConfig(config: ServerConfig, logger: Logger): ApplicationConfig {
  const store = parseStore(config.store);
  if ('problem' in store) throw new EventedError('CONFIGURATION', `store: ${store.problem}`);
  const base = baseConfig(store, config);
  const tls = readClientTls(config.clientTls);
  const remote: RemoteServiceOptions = {
    maxMessageBytes: config.maxMessageBytes,
    ...(tls && { tls }),
  };
  const channels: { close(): void }[] = [];
  const open = <Channel extends { close(): void }>(channel: Channel): Channel => {
    channels.push(channel);
    return channel;
  };

  const domains: Record<string, DomainRegistration> = {};
  for (const [domain, { address, deadlineMs, retries, snapshotEvery, snapshots }] of Object.entries(
    config.domains,
  )) {
    // Undefined options take the defaults of `remoteBusinessLogic`.
    domains[domain] = {
      logic: open(remoteBusinessLogic(address, { ...remote, deadlineMs, retries })),
      ...(snapshotEvery !== undefined && { snapshotEvery }),
      ...(snapshots !== undefined && { snapshots }),
    };
  }
  const projectors: Projector[] = config.projectors.map(({ name, address, filter }) =>
    open(remoteProjector(name, address, { ...remote, ...(filter && { filter }) })),
  );
  const sagas: Saga[] = config.sagas.map(({ name, address, filter }) =>
    open(remoteSaga(name, address, { ...remote, logger, ...(filter && { filter }) })),
  );
  if (config.example === 'bank') {
    domains['account'] = { logic: fromDecider(account) };
    domains['card'] = { logic: fromAggregate(Card) };
    // The balances read model lives in evented's own SQLite database.
    if (store.kind === 'memory' || store.kind === 'sqlite') projectors.push(balancesProjector());
    else
      logger.info(
        { store: store.kind },
        'the bank example runs without its SQLite balances projector',
      );
    sagas.push(transfers);
  }
  return {
    config: {
      ...base,
      domains,
      projectors,
      sagas,
      logger,
      processors: config.processors,
      ...(config.nodeId !== undefined && { nodeId: config.nodeId }),
    },
    close: () => channels.forEach((channel) => channel.close()),
  };
}
