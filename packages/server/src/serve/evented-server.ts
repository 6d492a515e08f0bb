import type { Evented, Logger } from '@evented/core';
import { createEvented } from '@evented/core';
import type { GrpcServer } from '@evented/grpc';
import { startGrpcServer } from '@evented/grpc';
import type { ServerConfig } from '../config/server-config.js';
import { applicationConfig } from './application-config.js';
import type { HttpServer } from './http-server.js';
import { startHttpServer } from './http-server.js';
import { ServerMetrics } from './server-metrics.js';
import { readServerTls } from './tls-files.js';
import { loadUpcasters } from './upcaster-module.js';

/** How long `close` lets gRPC calls in flight finish by default. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** A running `evented serve`. */
export interface EventedServer {
  readonly evented: Evented;
  /** `host:port` with the real port. */
  readonly grpcAddress: string;
  /** `host:port` of `/metrics` and `/healthz`, or undefined when `http` is `off`. */
  readonly httpAddress: string | undefined;
  /**
   * Stops gracefully: `/healthz` turns 503, gRPC stops accepting calls, ends live
   * subscriptions and lets calls in flight finish (up to `graceMs`), the processors stop
   * after their page with checkpoints saved, the stores close, then HTTP.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Runs a resolved configuration: opens the application through `createEvented`, serves it
 * over gRPC, and serves metrics and health over HTTP.
 *
 * ```ts
 * const server = await startEventedServer(resolveServerConfig(), logger);
 * process.once('SIGTERM', () => void server.close());
 * ```
 */
export async function startEventedServer(
  config: ServerConfig,
  logger: Logger,
): Promise<EventedServer> {
  const application = applicationConfig(config, logger);
  const cleanups: (() => Promise<void> | void)[] = [() => application.close()];
  const undo = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const upcasters = await loadUpcasters(config.upcasters);
    const evented = await createEvented({ ...application.config, ...(upcasters && { upcasters }) });
    cleanups.push(() => evented.close());
    const metrics = new ServerMetrics();
    cleanups.push(metrics.watch(evented));
    const tls = readServerTls(config.tls);
    const grpc: GrpcServer = await startGrpcServer(evented, {
      address: config.listen,
      maxMessageBytes: config.maxMessageBytes,
      onCall: metrics.observeCall,
      ...(tls && { tls }),
      ...(config.token !== undefined && { token: config.token }),
    });
    let healthy = true;
    const http: HttpServer | undefined =
      config.http === 'off'
        ? undefined
        : await startHttpServer(config.http, {
            registry: metrics.registry,
            healthy: () => healthy,
          }).catch(async (error: unknown) => {
            await grpc.close(0);
            throw error;
          });
    let closing: Promise<void> | undefined;
    return {
      evented,
      grpcAddress: grpc.address,
      httpAddress: http?.address,
      close(graceMs = DEFAULT_SHUTDOWN_GRACE_MS) {
        closing ??= (async () => {
          healthy = false;
          await grpc.close(graceMs);
          await undo();
          await http?.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
