import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GrpcObject, ServiceClientConstructor } from '@grpc/grpc-js';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evented } from '@evented/core';
import { Evented as EventedApp, silentLogger } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';
import type { GrpcServer } from './server/grpc-server.js';
import { startGrpcServer } from './server/grpc-server.js';

const require = createRequire(import.meta.url);

/** A client constructor for a service of a .proto file shipped by a grpc package. */
function clientOf(protoFile: string, path: string[]): ServiceClientConstructor {
  const definition = loadPackageDefinition(loadSync(protoFile, { keepCase: true, enums: String }));
  return path.reduce<unknown>(
    (node, key) => (node as GrpcObject)[key],
    definition,
  ) as ServiceClientConstructor;
}

describe('standard services', () => {
  let evented: Evented;
  let server: GrpcServer;

  beforeAll(async () => {
    evented = await EventedApp.builder({
      storage: () => openSqliteStorage(),
      logger: silentLogger,
    }).build();
    server = await startGrpcServer(evented, { address: '127.0.0.1:0' });
  });

  afterAll(async () => {
    await server.close(1000);
    await evented.close();
  });

  it('answers grpc.health.v1 Check with SERVING', async () => {
    const healthProto = join(
      dirname(require.resolve('grpc-health-check/package.json')),
      'proto/health/v1/health.proto',
    );
    const Health = clientOf(healthProto, ['grpc', 'health', 'v1', 'Health']);
    const client = new Health(server.address, credentials.createInsecure());
    const response = await new Promise<{ status: string }>((resolve, reject) =>
      client['Check']!({ service: '' }, (error: Error | null, reply: { status: string }) =>
        error ? reject(error) : resolve(reply),
      ),
    );
    client.close();
    expect(response.status).toBe('SERVING');
  });

  it('lists the evented services through server reflection', async () => {
    const reflectionProto = join(
      dirname(require.resolve('@grpc/reflection/package.json')),
      'build/proto/grpc/reflection/v1/reflection.proto',
    );
    const Reflection = clientOf(reflectionProto, ['grpc', 'reflection', 'v1', 'ServerReflection']);
    const client = new Reflection(server.address, credentials.createInsecure());
    const call = client['ServerReflectionInfo']!();
    const reply = new Promise<{ list_services_response: { service: { name: string }[] } }>(
      (resolve, reject) => {
        call.on('data', resolve);
        call.on('error', reject);
      },
    );
    call.write({ list_services: '' });
    const names = (await reply).list_services_response.service.map((service) => service.name);
    call.end();
    client.close();
    expect(names).toEqual(
      expect.arrayContaining([
        'evented.v1.CommandGatewayService',
        'evented.v1.EventQueryService',
        'evented.v1.AdminService',
      ]),
    );
  });
});
