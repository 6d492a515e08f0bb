import type { DescService } from '@bufbuild/protobuf';
import type {
  CallOptions,
  Client,
  ClientDuplexStream,
  ClientReadableStream,
  ServiceError,
} from '@grpc/grpc-js';
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import { fromServiceError } from '../status.js';
import { clientDefinition } from '../service-definition.js';

/** TLS for a client: PEM contents. `ca` verifies the server; `cert` and `key` identify the client (mutual TLS). */
export interface ClientTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** How a client reaches a server. */
export interface ChannelOptions {
  readonly tls?: ClientTls;
  /** Sent as `authorization: Bearer <token>` on every call. */
  readonly token?: string;
  /** The largest message sent or received; default 4 MiB. */
  readonly maxMessageBytes?: number;
}

type StreamMethod = (request: unknown, metadata: Metadata) => ClientReadableStream<unknown>;

type BidiMethod = (metadata: Metadata) => ClientDuplexStream<unknown, unknown>;

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

/** A grpc-js client of one service, with typed unary calls that fail with `EventedError`s. */
export class ServiceClient {
  readonly raw: Client;
  /** The largest message sent or received. */
  readonly maxMessageBytes: number;
  readonly #token: string | undefined;

  constructor(service: DescService, address: string, options: ChannelOptions = {}) {
    const Constructor = makeGenericClientConstructor(clientDefinition(service), service.typeName);
    const tls = options.tls;
    const channelCredentials = tls
      ? credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null)
      : credentials.createInsecure();
    const max = options.maxMessageBytes ?? 4 * 1024 * 1024;
    this.raw = new Constructor(address, channelCredentials, {
      // Channelz (introspection nobody here reads) is on by default and costs on every call.
      'grpc.enable_channelz': 0,
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
    });
    this.maxMessageBytes = max;
    this.#token = options.token;
  }

  /** Call metadata: the bearer token, if any. */
  metadata(): Metadata {
    const metadata = new Metadata();
    if (this.#token !== undefined) metadata.set('authorization', `Bearer ${this.#token}`);
    return metadata;
  }

  /** Calls a unary method by its local name (`dispatch`), with an optional deadline. */
  unary<Response>(method: string, request: unknown, deadlineMs?: number): Promise<Response> {
    const call = (this.raw as unknown as Record<string, UnaryMethod>)[method]!.bind(this.raw);
    const options: CallOptions =
      deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
    return new Promise<Response>((resolve, reject) => {
      call(request, this.metadata(), options, (error, response) =>
        error ? reject(fromServiceError(error)) : resolve(response as Response),
      );
    });
  }

  /** Starts a server-streaming call by the method's local name (`subscribe`). */
  serverStream<Response>(method: string, request: unknown): ClientReadableStream<Response> {
    const start = (this.raw as unknown as Record<string, StreamMethod>)[method]!.bind(this.raw);
    return start(request, this.metadata()) as ClientReadableStream<Response>;
  }

  /** Starts a bidirectional streaming call by the method's local name (`dispatchStream`). */
  bidiStream<Request, Response>(method: string): ClientDuplexStream<Request, Response> {
    const start = (this.raw as unknown as Record<string, BidiMethod>)[method]!.bind(this.raw);
    return start(this.metadata()) as ClientDuplexStream<Request, Response>;
  }

  close(): void {
    this.raw.close();
  }
}
