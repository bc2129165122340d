import type http2 from "node:http2";
import { toBinary } from "@bufbuild/protobuf";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { serveServerStreaming } from "./grpc-server-streaming.ts";
import { frames, GRPC_PROTO, ignoreStreamErrors, readBody, sendTrailersAndEnd, setErrorTrailers, startCall } from "./grpc-wire.ts";
import { limitResponseWait } from "./body-wait.ts";
import { frame } from "../shared/grpc-frame.ts";
import { CALL_COMPLETED, OpenCalls } from "./open-calls.ts";
import { singleNow } from "./single-message.ts";
import { SingleRequestMethodRegistry, type UnaryMethodSpec } from "./single-request-method-registry.ts";

/** What the fast path serves: the connect adapter's own routes, interceptors and limits. */
export interface FastGrpcOptions {
  /** The same routes function the connect adapter is given. */
  readonly routes: (router: ConnectRouter) => void;
  /** The same interceptors, in the same order. */
  readonly interceptors: readonly Interceptor[];
  /** Largest request message accepted, in bytes. */
  readonly readMaxBytes: number;
  /** The connect adapter's `shutdownSignal`: aborts every call's context when the server drains. */
  readonly shutdownSignal?: AbortSignal;
}

/**
 * Serves plain gRPC unary calls (uncompressed protobuf) from the server's raw streams
 * ({@link serveStream}): they are the high-rate calls, and the HTTP/2 compatibility API (a request
 * and a response object wrapping each stream, the body pushed through a second readable) costs a
 * sizeable share of a small call. Plain gRPC server-streaming calls are taken from the raw streams
 * too, and served by `serveServerStreaming` (grpc-server-streaming.ts); everything else
 * (client and bidi streaming, gRPC-Web, Connect, compressed or JSON gRPC, unknown paths) is left to
 * the compatibility API and connect-node.
 *
 * The implementations and interceptors are the ones the connect adapter serves: the registry
 * collects them from the same routes function, and every call goes through connect's own
 * `invokeUnaryImplementation` and `setTrailerStatus`, with a context equivalent to connect's
 * (call-context.ts), so handlers, authentication and error details cannot differ between the
 * two paths. What this path leaves out is connect-node's generic machinery (async-iterable
 * pipelines, stream adapters for the body) that costs most of a small call (figures in
 * BENCHMARKS.md).
 *
 * Error statuses and messages match connect's gRPC handler; `grpc-message` is encoded as the gRPC
 * spec asks (see grpc-message-encoding.ts). Responses are never compressed (a server may always
 * answer uncompressed).
 */
export class FastGrpc {
  readonly #registry: SingleRequestMethodRegistry;
  readonly #interceptors: Interceptor[];
  readonly #readMaxBytes: number;
  readonly #calls: OpenCalls;

  constructor(options: FastGrpcOptions) {
    this.#registry = new SingleRequestMethodRegistry(options.routes);
    this.#interceptors = [...options.interceptors];
    this.#readMaxBytes = options.readMaxBytes;
    this.#calls = new OpenCalls(options.shutdownSignal);
  }

  /**
   * Serves `stream` if it is a plain gRPC unary or server-streaming call, and says whether it did;
   * any other stream is left untouched for the compatibility API. So is a call with an `Expect`
   * header (no gRPC client sends one), which needs the compatibility API's `100 Continue` handling.
   */
  serveStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean {
    const spec = isPlainGrpc(headers) && headers.expect === undefined ? this.#registry.get(headers[":path"] ?? "") : undefined;
    if (spec === undefined) return false;
    if (spec.kind === "unary") void serveUnary(spec, stream, headers, this.#interceptors, this.#readMaxBytes, this.#calls);
    else serveServerStreaming(spec, stream, headers, this.#interceptors, this.#readMaxBytes, this.#calls);
    return true;
  }
}

/** Whether a request is gRPC this path serves: binary protobuf, uncompressed. */
function isPlainGrpc(headers: http2.IncomingHttpHeaders): boolean {
  const contentType = headers["content-type"];
  const encoding = headers["grpc-encoding"];
  return (
    headers[":method"] === "POST" &&
    (contentType === "application/grpc" || contentType === GRPC_PROTO) &&
    (encoding === undefined || encoding === "identity")
  );
}

async function serveUnary(
  spec: UnaryMethodSpec,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  interceptors: Interceptor[],
  readMaxBytes: number,
  calls: OpenCalls,
): Promise<void> {
  ignoreStreamErrors(stream);
  const { timeout, context, cancel } = startCall(spec, headers, calls);
  stream.once("aborted", cancel);
  let body: Buffer | undefined;
  try {
    if (timeout.error !== undefined) throw timeout.error;
    // As in connect, a unary call's request is read and parsed before the interceptors run.
    const input = singleNow(frames(spec.method.input, await readBody(stream, readMaxBytes, context), readMaxBytes), "unary");
    const output = await invokeUnaryImplementation(spec, context, input, interceptors);
    body = frame(toBinary(spec.method.output, output));
    // Only a deadline timer needs releasing: aborting costs an event dispatch per call.
    if (timeout.timeoutMs !== undefined) context.abort(CALL_COMPLETED);
  } catch (error) {
    setErrorTrailers(context, error);
  } finally {
    calls.end(context);
    stream.off("aborted", cancel);
  }
  if (stream.destroyed || stream.closed) return;
  // Whatever of the request is left unread (after an early error) is drained, not left to stall the stream.
  stream.resume();
  const trailers = context.responseTrailer.toObject();
  stream.respond(context.responseHeader.toObject(), { waitForTrailers: true });
  stream.once("wantTrailers", () => sendTrailersAndEnd(stream, trailers));
  if (body === undefined) stream.end();
  else stream.end(body);
  limitResponseWait(stream);
}

