export { startGrpcServer, defaultGrpcServerOptions } from './server/grpc-server.js';
export type { GrpcServer, GrpcServerOptions, ServerTls } from './server/grpc-server.js';
export { EventedClient } from './client/evented-client.js';
export type {
  EventedClientOptions,
  RemoteProcessorFailure,
  RemoteProcessorStatus,
  RemoteSegmentStatus,
  SubscriptionMessage,
  RemoteUpcasterCheckReport,
} from './client/evented-client.js';
export type { ChannelOptions, ClientTls } from './client/channel.js';
export { remoteBusinessLogic } from './remote/remote-business-logic.js';
export type { RemoteBusinessLogic } from './remote/remote-business-logic.js';
export { remoteProjector } from './remote/remote-projector.js';
export type { RemoteProjector, RemoteProjectorOptions } from './remote/remote-projector.js';
export { remoteSaga } from './remote/remote-saga.js';
export type { RemoteSaga, RemoteSagaOptions } from './remote/remote-saga.js';
export { defaultRemoteServiceOptions } from './remote/remote-options.js';
export type { RemoteServiceOptions } from './remote/remote-options.js';
export { serveBusinessLogic } from './services/serve-business-logic.js';
export { serveProjector } from './services/serve-projector.js';
export { serveSaga } from './services/serve-saga.js';
export type { ServedService, ServeOptions } from './services/start-server.js';
export {
  statusOfCode,
  toServiceError,
  fromServiceError,
  CODE_TRAILER,
  DETAILS_TRAILER,
} from './status.js';
export { PayloadCodec } from './convert/payload-codec.js';
export { registryFromDescriptorSets } from './convert/registry.js';
