import type http2 from "node:http2";
import type { Readable } from "node:stream";
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { createGrpcCallContext, type GrpcCallContext } from "./grpc-call-context.ts";
import { encodeGrpcMessage } from "./grpc-message-encoding.ts";
import { headerValue } from "./node-headers.ts";
import { singleNow } from "./single-message.ts";
import { asConnectError } from "./connect-errors.ts";
import { CALL_COMPLETED, clientCancelled, OpenCalls } from "./open-calls.ts";
import { errorMessage } from "../shared/error-message.ts";
import {
  SingleRequestMethodRegistry,
  type ServerStreamingMethodSpec,
  type SingleRequestMethodSpec,
  type UnaryMethodSpec,
} from "./single-request-method-registry.ts";


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

/** Serves one plain gRPC server-streaming call from its raw stream: `serveServerStreaming` of grpc-server-streaming.ts. */
export type ServerStreamingServer = (
  spec: ServerStreamingMethodSpec,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  interceptors: readonly Interceptor[],
  readMaxBytes: number,
  calls: OpenCalls,
) => void;

/** The response content type connect-node gives binary gRPC. */
const GRPC_PROTO = "application/grpc+proto";
const FRAME_HEADER_BYTES = 5;
const COMPRESSED_FLAG = 0b1;

/**
 * Serves plain gRPC unary calls (uncompressed protobuf) from the server's raw streams
 * ({@link serveStream}): they are the high-rate calls, and the HTTP/2 compatibility API (a request
 * and a response object wrapping each stream, the body pushed through a second readable) costs a
 * sizeable share of a small call. Plain gRPC server-streaming calls are taken from the raw streams
 * too, and served by `serveServerStreaming` (given, from grpc-server-streaming.ts); everything else
 * (client and bidi streaming, gRPC-Web, Connect, compressed or JSON gRPC, unknown paths) is left to
 * the compatibility API and connect-node.
 *
 * The implementations and interceptors are the ones the connect adapter serves: the registry
 * collects them from the same routes function, and every call goes through connect's own
 * `invokeUnaryImplementation` and `setTrailerStatus`, with a context equivalent to connect's
 * (grpc-call-context.ts), so handlers, authentication and error details cannot differ between the
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
  readonly #serveServerStreaming: ServerStreamingServer;

  constructor(options: FastGrpcOptions, serveServerStreaming: ServerStreamingServer) {
    this.#registry = new SingleRequestMethodRegistry(options.routes);
    this.#interceptors = [...options.interceptors];
    this.#readMaxBytes = options.readMaxBytes;
    this.#calls = new OpenCalls(options.shutdownSignal);
    this.#serveServerStreaming = serveServerStreaming;
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
    else this.#serveServerStreaming(spec, stream, headers, this.#interceptors, this.#readMaxBytes, this.#calls);
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

/** A call as connect's gRPC handler starts it: its deadline (or why the header is invalid) and its context. */
export function startCall(spec: SingleRequestMethodSpec, headers: http2.IncomingHttpHeaders, calls: OpenCalls) {
  const timeout = parseTimeout(headerValue(headers["grpc-timeout"]), Number.MAX_SAFE_INTEGER);
  const context = createGrpcCallContext({
    method: spec.method,
    headers,
    timeoutMs: timeout.timeoutMs,
    contentType: GRPC_PROTO,
  });
  calls.start(context);
  const cancel = (): void => context.abort(clientCancelled());
  return { timeout, context, cancel };
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
    const input = singleNow(frames(spec.method.input, await readBody(stream, readMaxBytes), readMaxBytes), "unary");
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
  stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  if (body === undefined) stream.end();
  else stream.end(body);
}

/** As the compatibility API does: a stream reset by the client must not become an uncaught error. */
export function ignoreStreamErrors(stream: http2.ServerHttp2Stream): void {
  stream.on("error", ignore);
}

function ignore(): void {}

/** Ends a call with `error` as its status, as connect's gRPC handler reports it. */
export function setErrorTrailers(context: GrpcCallContext, error: unknown): void {
  const connectError = asConnectError(error);
  context.abort(connectError);
  setTrailerStatus(context.responseTrailer, connectError);
  context.responseTrailer.set("grpc-message", encodeGrpcMessage(connectError.rawMessage));
}

/** An input that fails as soon as it is read: how connect reports a bad grpc-timeout on a stream. */
export async function* failing<T>(error: ConnectError): AsyncGenerator<T> {
  throw error;
}

/** The request's messages, as {@link frames} parses them once the body is read. */
export async function* requestMessages<Desc extends DescMessage>(desc: Desc, request: Readable, readMaxBytes: number): AsyncGenerator<MessageShape<Desc>> {
  yield* frames(desc, await readBody(request, readMaxBytes), readMaxBytes);
}

/**
 * The messages of a request body, parsed one at a time as they are asked for, with the checks and
 * errors of connect's gRPC handler (and in its order): size limit, no compressed flag without an
 * encoding, no incomplete trailing envelope.
 */
function* frames<Desc extends DescMessage>(desc: Desc, body: Buffer, readMaxBytes: number): Generator<MessageShape<Desc>, void, undefined> {
  let offset = 0;
  while (body.length - offset >= FRAME_HEADER_BYTES) {
    const length = body.readUInt32BE(offset + 1);
    if (length > readMaxBytes) throw tooLarge(length, readMaxBytes);
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > body.length) break;
    const flags = body[offset]!;
    const data = body.subarray(offset + FRAME_HEADER_BYTES, end);
    offset = end;
    if ((flags & COMPRESSED_FLAG) !== 0) {
      throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
    }
    let message: MessageShape<Desc>;
    try {
      message = fromBinary(desc, data);
    } catch (error) {
      throw new ConnectError(`parse binary: ${errorMessage(error)}`, Code.Internal);
    }
    yield message;
  }
  if (offset < body.length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
}

/**
 * The request body. Fails as soon as the first message announces more than `readMaxBytes`, and
 * stops reading past two messages' worth: a single-request call never needs more to decide. A
 * stream that closes before its end (the client reset it) fails the read as cancelled, rather than
 * leaving the call waiting for an end that never comes.
 */
function readBody(request: Readable, readMaxBytes: number): Promise<Buffer> {
  const enough = 2 * (FRAME_HEADER_BYTES + readMaxBytes);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let lengthChecked = false;
    const stop = (): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (!lengthChecked && received >= FRAME_HEADER_BYTES) {
        lengthChecked = true;
        const length = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).readUInt32BE(1);
        if (length > readMaxBytes) {
          stop();
          reject(tooLarge(length, readMaxBytes));
          return;
        }
      }
      if (received >= enough) onEnd();
    };
    const onEnd = (): void => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onClose = (): void => {
      stop();
      reject(clientCancelled());
    };
    request.on("data", onData);
    request.once("end", onEnd);
    request.once("close", onClose);
  });
}

function tooLarge(length: number, readMaxBytes: number): ConnectError {
  return new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
}

/** One gRPC message on the wire: flags, length, bytes. */
export function frame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, FRAME_HEADER_BYTES);
  return framed;
}
