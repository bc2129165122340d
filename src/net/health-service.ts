import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import type { Readiness } from "./readiness.ts";

/**
 * The standard gRPC health service (grpc.health.v1.Health), for Kubernetes gRPC probes, Envoy and
 * grpc_health_probe. One process serves every service, so each has the server's status: SERVING
 * while ready, NOT_SERVING while draining or while the store is unreachable. The empty name is the
 * server as a whole.
 *
 * @param services fully-qualified names of the services served
 */
export function createHealthService(readiness: Readiness, services: readonly string[]): ServiceImpl<typeof Health> {
  const known = new Set(["", ...services]);
  const statusOf = (ready: boolean): ServingStatus => (ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  return {
    async check({ service }) {
      if (!known.has(service)) throw new ConnectError(`unknown service "${service}"`, Code.NotFound);
      return { status: statusOf((await readiness.check()).ready) };
    },
    async list() {
      const status = statusOf((await readiness.check()).ready);
      return { statuses: Object.fromEntries([...known].map((name) => [name, { status }])) };
    },
    async *watch({ service }, context) {
      const { signal } = context;
      if (!known.has(service)) {
        // Per the protocol the stream stays open: the service could appear later (it never does here).
        yield { status: ServingStatus.SERVICE_UNKNOWN };
        await changeOrAbort(readiness, signal, true);
        throw ConnectError.from(signal.reason);
      }
      let last = statusOf((await readiness.check()).ready);
      yield { status: last };
      for (;;) {
        await changeOrAbort(readiness, signal, false);
        // A shutdown flips readiness before it aborts streams: watchers get NOT_SERVING, then the end.
        const status = statusOf(readiness.current.ready);
        if (status !== last) {
          last = status;
          yield { status };
        }
        if (signal.aborted) throw ConnectError.from(signal.reason);
      }
    },
  };
}

/** Resolves on the next readiness change (unless `abortOnly`) or when `signal` aborts. */
function changeOrAbort(readiness: Readiness, signal: AbortSignal, abortOnly: boolean): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      unsubscribe?.();
      signal.removeEventListener("abort", done);
      resolve();
    };
    const unsubscribe = abortOnly ? undefined : readiness.onChange(done);
    signal.addEventListener("abort", done, { once: true });
  });
}
