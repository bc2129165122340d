import type http2 from "node:http2";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  createHandlerContext,
  type ConnectRouter,
  type Interceptor,
} from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { encodeGrpcMessage } from "./grpc-message-encoding.ts";
import { UnaryMethodRegistry, type UnaryMethodSpec } from "./unary-method-registry.ts";

type Http2Handler = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => void;

export interface FastGrpcUnaryOptions {
  /** The same routes function the connect adapter is given. */
  readonly routes: (router: ConnectRouter) => void;
  /** The same interceptors, in the same order. */
  readonly interceptors: readonly Interceptor[];
  /** Largest request message accepted, in bytes. */
  readonly readMaxBytes: number;
}

/** The response content type connect-node gives binary gRPC. */
const GRPC_PROTO = "application/grpc+proto";
const FRAME_HEADER_BYTES = 5;
const COMPRESSED_FLAG = 0b1;
/** Why a finished call's signal aborts when it had a deadline; shared, because building an AbortError per call is costly. */
const CALL_COMPLETED = new ConnectError("the call has completed", Code.Canceled);

/**
 * Serves plain unary gRPC calls (uncompressed protobuf) directly on node:http2 and hands everything
 * else (streaming, gRPC-Web, Connect, compressed or JSON gRPC, unknown paths) to `fallback`.
 *
 * The implementations and interceptors are the ones the connect adapter serves: the registry
 * collects them from the same routes function, and the call goes through connect's own
 * `createHandlerContext` and `invokeUnaryImplementation`, so handlers, authentication and error
 * details cannot differ between the two paths. What this path leaves out is connect's generic
 * machinery (async-iterable pipelines, web Headers and stream adapters for the body) that costs
 * most of a small unary call: measured on Enqueue it triples throughput (see BENCHMARKS.md).
 *
 * Error statuses and messages match connect's gRPC handler; `grpc-message` is encoded as the gRPC
 * spec asks (see grpc-message-encoding.ts). Responses are never compressed (a server may always
 * answer uncompressed).
 */
export function withFastGrpcUnary(options: FastGrpcUnaryOptions, fallback: Http2Handler): Http2Handler {
  const registry = new UnaryMethodRegistry(options.routes);
  const interceptors = [...options.interceptors];
  return (request, response) => {
    const spec = isPlainGrpc(request) ? registry.get(request.headers[":path"] ?? "") : undefined;
    if (spec === undefined) fallback(request, response);
    else void serveUnary(spec, request, response, interceptors, options.readMaxBytes);
  };
}

function isPlainGrpc(request: http2.Http2ServerRequest): boolean {
  const headers = request.headers;
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
  request: http2.Http2ServerRequest,
  response: http2.Http2ServerResponse,
  interceptors: Interceptor[],
  readMaxBytes: number,
): Promise<void> {
  const timeout = parseTimeout(headerValue(request.headers["grpc-timeout"]), Number.MAX_SAFE_INTEGER);
  const context = createHandlerContext({
    service: spec.method.parent,
    method: spec.method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: `http://${request.headers[":authority"] ?? "localhost"}${request.headers[":path"]}`,
    timeoutMs: timeout.timeoutMs,
    requestHeader: requestHeaders(request.headers),
    responseHeader: { "content-type": GRPC_PROTO },
    responseTrailer: { "grpc-status": "0" },
    contextValues: createContextValues(),
  });
  const onAborted = (): void => context.abort(new ConnectError("the client cancelled the call", Code.Canceled));
  request.once("aborted", onAborted);
  let body: Buffer | undefined;
  try {
    if (timeout.error !== undefined) throw timeout.error;
    const bytes = await readSingleMessage(request, readMaxBytes);
    let input;
    try {
      input = fromBinary(spec.method.input, bytes);
    } catch (error) {
      throw new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal);
    }
    const output = await invokeUnaryImplementation(spec, context, input, interceptors);
    body = frame(toBinary(spec.method.output, output));
    // Only a deadline timer needs releasing: aborting costs an event dispatch per call.
    if (timeout.timeoutMs !== undefined) context.abort(CALL_COMPLETED);
  } catch (error) {
    const connectError = error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
    context.abort(connectError);
    setTrailerStatus(context.responseTrailer, connectError);
    context.responseTrailer.set("grpc-message", encodeGrpcMessage(connectError.rawMessage));
  } finally {
    request.off("aborted", onAborted);
  }
  if (response.stream.destroyed) return;
  // Whatever of the request is left unread (after an early error) is drained, not left to stall the stream.
  request.resume();
  response.writeHead(200, headerObject(context.responseHeader));
  response.addTrailers(headerObject(context.responseTrailer));
  if (body === undefined) response.end();
  else response.end(body);
}

/**
 * Reads exactly one gRPC message from the request body, with the checks and errors of connect's
 * gRPC handler: size limit as soon as the length prefix is in, no compressed flag without an
 * encoding, one and only one message.
 */
function readSingleMessage(request: http2.Http2ServerRequest, readMaxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let lengthChecked = false;
    const fail = (error: ConnectError): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (lengthChecked || received < FRAME_HEADER_BYTES) return;
      lengthChecked = true;
      const length = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).readUInt32BE(1);
      if (length > readMaxBytes) {
        fail(new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted));
      }
    };
    const onEnd = (): void => {
      try {
        resolve(singleMessage(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    };
    request.on("data", onData);
    request.once("end", onEnd);
  });
}

function singleMessage(body: Buffer): Uint8Array {
  if (body.length === 0) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  if (body.length < FRAME_HEADER_BYTES) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  const end = FRAME_HEADER_BYTES + body.readUInt32BE(1);
  if (body.length < end) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if ((body[0]! & COMPRESSED_FLAG) !== 0) {
    throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
  }
  if (body.length > end) {
    const rest = body.length - end;
    if (rest >= FRAME_HEADER_BYTES && rest >= FRAME_HEADER_BYTES + body.readUInt32BE(end + 1)) {
      throw new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented);
    }
    throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
  return body.subarray(FRAME_HEADER_BYTES, end);
}

function frame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, FRAME_HEADER_BYTES);
  return framed;
}

/**
 * The request's headers without pseudo-headers, as interceptors see them in connect. A plain record:
 * the handler context turns it into web Headers once.
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

function headerObject(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name] = value;
  });
  return result;
}
