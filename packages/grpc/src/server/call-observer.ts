import type { ServerInterceptor } from '@grpc/grpc-js';
import { ServerInterceptingCall, status } from '@grpc/grpc-js';

/**
 * Told once about every finished call: the method's full path
 * (`/evented.v1.CommandGatewayService/Dispatch`), its gRPC status code and how long it ran.
 * For metrics; it must not throw. A call that ends without a status from its handler
 * counts as `CANCELLED`: the client went away, or grpc-js answered on its own (a message
 * over the size limit), which interceptors are not shown.
 */
export type CallObserver = (method: string, code: status, durationMs: number) => void;

/**
 * A server interceptor reporting each call to `observe`, health checks and reflection
 * included, so that calls refused before any handler ran are counted too.
 */
export function observeCalls(observe: CallObserver): ServerInterceptor {
  return (method, call) => {
    const started = performance.now();
    let reported = false;
    const report = (code: status): void => {
      if (reported) return;
      reported = true;
      try {
        observe(method.path, code, performance.now() - started);
      } catch {
        // An observer's failure must not fail the call it watches.
      }
    };
    return new ServerInterceptingCall(call, {
      start: (next) => next({ onCancel: () => report(status.CANCELLED) }),
      sendStatus: (sent, next) => {
        report(sent.code);
        next(sent);
      },
    });
  };
}
