import type http2 from "node:http2";
import type { Readable } from "node:stream";
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  createHandlerContext,
  type ConnectRouter,
  type Interceptor,
} from "@connectrpc/connect";
import { getAbortSignalReason, invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { encodeGrpcMessage } from "./grpc-message-encoding.ts";
import { single } from "./single-message.ts";
import {
  SingleRequestMethodRegistry,
  type SingleRequestMethodSpec,
  type UnaryMethodSpec,
} from "./single-request-method-registry.ts";

export type Http2Handler = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => void;
type HandlerContextController = ReturnType<typeof createHandlerContext>;

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

/** The response content type connect-node gives binary gRPC. */
export const GRPC_PROTO = "application/grpc+proto";
const FRAME_HEADER_BYTES = 5;
const COMPRESSED_FLAG = 0b1;
/** Why a finished call's signal aborts; shared, because building an AbortError per call is costly. */
export const CALL_COMPLETED = new ConnectError("the call has completed", Code.Canceled);

/**
 * Serves plain gRPC unary calls (uncompressed protobuf) directly on node:http2's compatibility API,
 * and hands everything else (streaming calls, gRPC-Web, Connect, compressed or JSON gRPC, unknown
 * paths) to `fallback`. Plain gRPC server-streaming calls are served before any compatibility
 * request exists, from their raw HTTP/2 stream (GrpcServerStreams in grpc-server-streaming.ts).
 *
 * The implementations and interceptors are the ones the connect adapter serves: the registry
 * collects them from the same routes function, and every call goes through connect's own
 * `createHandlerContext`, `invokeUnaryImplementation` and `setTrailerStatus`, so handlers,
 * authentication and error details cannot differ between the two paths. What this path leaves out
 * is connect-node's generic machinery (async-iterable pipelines, stream adapters for the body) that
 * costs most of a small call (figures in BENCHMARKS.md).
 *
 * Error statuses and messages match connect's gRPC handler; `grpc-message` is encoded as the gRPC
 * spec asks (see grpc-message-encoding.ts). Responses are never compressed (a server may always
 * answer uncompressed).
 */
export function withFastGrpc(options: FastGrpcOptions, fallback: Http2Handler): Http2Handler {
  const registry = new SingleRequestMethodRegistry(options.routes);
  const interceptors = [...options.interceptors];
  const calls = new OpenCalls(options.shutdownSignal);
  return (request, response) => {
    const spec = isPlainGrpc(request.headers) ? registry.get(request.headers[":path"] ?? "") : undefined;
    if (spec?.kind === "unary") void serveUnary(spec, request, response, interceptors, options.readMaxBytes, calls);
    else fallback(request, response);
  };
}

/**
 * The calls in progress, so that the shutdown signal reaches them all from one listener. Handing
 * the signal to each call's context instead (connect's `shutdownSignal`) registers a listener per
 * call on that one signal: a linear scan to add and remove each (quadratic over 20,000 streams) and
 * a listener record held by every open stream.
 */
export class OpenCalls {
  readonly #shutdownSignal: AbortSignal | undefined;
  readonly #open = new Set<HandlerContextController>();

  constructor(shutdownSignal: AbortSignal | undefined) {
    this.#shutdownSignal = shutdownSignal;
    shutdownSignal?.addEventListener(
      "abort",
      () => {
        const reason: unknown = getAbortSignalReason(shutdownSignal);
        for (const context of this.#open) context.abort(reason);
        this.#open.clear();
      },
      { once: true },
    );
  }

  /** Aborts `context` when the server drains, until {@link end}; at once if it is draining already. */
  start(context: HandlerContextController): void {
    if (this.#shutdownSignal?.aborted === true) context.abort(getAbortSignalReason(this.#shutdownSignal));
    else this.#open.add(context);
  }

  end(context: HandlerContextController): void {
    this.#open.delete(context);
  }
}

/** Whether a request is gRPC this path serves: binary protobuf, uncompressed. */
export function isPlainGrpc(headers: http2.IncomingHttpHeaders): boolean {
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
  const context = createHandlerContext({
    service: spec.method.parent,
    method: spec.method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: `http://${headers[":authority"] ?? "localhost"}${headers[":path"]}`,
    timeoutMs: timeout.timeoutMs,
    requestHeader: requestHeaders(headers),
    responseHeader: { "content-type": GRPC_PROTO },
    responseTrailer: { "grpc-status": "0" },
    contextValues: createContextValues(),
  });
  calls.start(context);
  const cancel = (): void => context.abort(new ConnectError("the client cancelled the call", Code.Canceled));
  return { timeout, context, cancel };
}

async function serveUnary(
  spec: UnaryMethodSpec,
  request: http2.Http2ServerRequest,
  response: http2.Http2ServerResponse,
  interceptors: Interceptor[],
  readMaxBytes: number,
  calls: OpenCalls,
): Promise<void> {
  const { timeout, context, cancel } = startCall(spec, request.headers, calls);
  request.once("aborted", cancel);
  let body: Buffer | undefined;
  try {
    if (timeout.error !== undefined) throw timeout.error;
    // As in connect, a unary call's request is read and parsed before the interceptors run.
    const input = await single(requestMessages(spec.method.input, request, readMaxBytes), "unary");
    const output = await invokeUnaryImplementation(spec, context, input, interceptors);
    body = frame(toBinary(spec.method.output, output));
    // Only a deadline timer needs releasing: aborting costs an event dispatch per call.
    if (timeout.timeoutMs !== undefined) context.abort(CALL_COMPLETED);
  } catch (error) {
    setErrorTrailers(context, error);
  } finally {
    calls.end(context);
    request.off("aborted", cancel);
  }
  if (response.stream.destroyed) return;
  // Whatever of the request is left unread (after an early error) is drained, not left to stall the stream.
  request.resume();
  response.writeHead(200, headerObject(context.responseHeader));
  response.addTrailers(headerObject(context.responseTrailer));
  if (body === undefined) response.end();
  else response.end(body);
}

/** Ends a call with `error` as its status, as connect's gRPC handler reports it. */
export function setErrorTrailers(context: HandlerContextController, error: unknown): void {
  const connectError = error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  context.abort(connectError);
  setTrailerStatus(context.responseTrailer, connectError);
  context.responseTrailer.set("grpc-message", encodeGrpcMessage(connectError.rawMessage));
}

/** An input that fails as soon as it is read: how connect reports a bad grpc-timeout on a stream. */
export async function* failing<T>(error: ConnectError): AsyncGenerator<T> {
  throw error;
}

/**
 * The request's messages, parsed, with the checks and errors of connect's gRPC handler: size
 * limit, no compressed flag without an encoding, no incomplete trailing envelope.
 */
export async function* requestMessages<Desc extends DescMessage>(
  desc: Desc,
  request: Readable,
  readMaxBytes: number,
): AsyncGenerator<MessageShape<Desc>> {
  const body = await readBody(request, readMaxBytes);
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
    try {
      yield fromBinary(desc, data);
    } catch (error) {
      throw new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal);
    }
  }
  if (offset < body.length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
}

/**
 * The request body. Fails as soon as the first message announces more than `readMaxBytes`, and
 * stops reading past two messages' worth: a single-request call never needs more to decide.
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
    request.on("data", onData);
    request.once("end", onEnd);
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

/**
 * The request's headers without pseudo-headers, as interceptors see them in connect. Plain pairs:
 * the handler context turns them into web Headers once.
 */
function requestHeaders(headers: http2.IncomingHttpHeaders): [string, string][] {
  const result: [string, string][] = [];
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) result.push([name, item]);
    else result.push([name, value]);
  }
  return result;
}

function headerValue(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
}

/** Headers as node:http2 takes them. */
export function headerObject(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name] = value;
  });
  return result;
}
