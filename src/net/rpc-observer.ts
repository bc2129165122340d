import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../application/ports/logger.ts";
import { onStreamEnd } from "./stream-end.ts";
import { traceIdOf } from "./traceparent.ts";

/** gRPC's names of the four method kinds, as monitoring conventions label them. */
export type RpcType = "unary" | "client_stream" | "server_stream" | "bidi_stream";

/** Which method a call is for: bounded labels, from the service descriptors. */
export interface RpcLabels {
  readonly type: RpcType;
  /** Fully-qualified service name. */
  readonly service: string;
  readonly method: string;
}

/** Where the observer counts calls. */
export interface RpcMetrics {
  rpcStarted(call: RpcLabels): void;
  /** `code` is the gRPC status name ("OK", "InvalidArgument", ...). */
  rpcHandled(call: RpcLabels, code: string, durationMs: number): void;
}

const requestLoggerKey = createContextKey<Logger | undefined>(undefined, { description: "request-scoped logger" });

/**
 * Counts and times every call, and logs one line per call at debug level (method, status code,
 * duration, trace id), switched on with the log level. A W3C `traceparent` header's trace id goes
 * into that line and into the logger handlers get from {@link requestLogger}, so a client's trace
 * finds the server's lines. Streams are timed and logged when they end, however they end.
 */
export function rpcObserver(metrics: RpcMetrics, logger: Logger): Interceptor {
  return (next) => async (request) => {
    const labels = labelsOf(request.method);
    const traceId = traceIdOf(request.header.get("traceparent"));
    const log = traceId === undefined ? logger : logger.child({ traceId });
    request.contextValues.set(requestLoggerKey, log);
    metrics.rpcStarted(labels);
    const finish = callFinisher(metrics, labels, log);
    try {
      const response = await next(request);
      if (!response.stream) {
        finish(undefined);
        return response;
      }
      return { ...response, message: onStreamEnd(response.message, finish) };
    } catch (error) {
      finish(error);
      throw error;
    }
  };
}

/** The logger of the call, carrying its trace id when the client sent one. */
export function requestLogger(context: HandlerContext, fallback: Logger): Logger {
  return context.values.get(requestLoggerKey) ?? fallback;
}

/**
 * Counts, times and logs one call when called with how it ended. Made outside the interceptor so
 * that a stream, which holds it until it ends, does not also hold the interceptor chain of its
 * call through the closure's scope (BENCHMARKS.md, benchmark 4).
 */
function callFinisher(metrics: RpcMetrics, labels: RpcLabels, log: Logger): (error: unknown) => void {
  const startedAt = performance.now();
  return (error) => {
    const code = error === undefined ? "OK" : Code[ConnectError.from(error).code];
    const durationMs = performance.now() - startedAt;
    metrics.rpcHandled(labels, code, durationMs);
    log.debug({ rpc: `${labels.service}/${labels.method}`, code, durationMs: Math.round(durationMs * 10) / 10 }, "rpc");
  };
}

const TYPES: Readonly<Record<DescMethod["methodKind"], RpcType>> = {
  unary: "unary",
  client_streaming: "client_stream",
  server_streaming: "server_stream",
  bidi_streaming: "bidi_stream",
};

/** Built once per method: the labels never change, and a call should not allocate them. */
const labelsByMethod = new WeakMap<DescMethod, RpcLabels>();

function labelsOf(method: DescMethod): RpcLabels {
  let labels = labelsByMethod.get(method);
  if (labels === undefined) {
    labels = { type: TYPES[method.methodKind], service: method.parent.typeName, method: method.name };
    labelsByMethod.set(method, labels);
  }
  return labels;
}
