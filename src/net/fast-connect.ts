import type http from "node:http";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  compressionNegotiate,
  createMethodSerializationLookup,
  encodeEnvelope,
  invokeUnaryImplementation,
  mergeNonProtocolHeaders,
  pipe,
  transformDecompressEnvelope,
  transformInvokeImplementation,
  transformParseEnvelope,
  transformPrepend,
  transformSplitEnvelope,
  validateUniversalHandlerOptions,
  type Compression,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  contentTypeStreamJson,
  contentTypeStreamProto,
  contentTypeUnaryJson,
  contentTypeUnaryProto,
  createEndStreamSerialization,
  endStreamFlag,
  errorToJsonBytes,
  headerStreamAcceptEncoding,
  headerContentType,
  headerUnaryAcceptEncoding,
  headerUnaryContentLength,
  headerUnaryEncoding,
  parseTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { createCallContext } from "./call-context.ts";
import { drained } from "./drained.ts";
import type { FastGrpcOptions } from "./fast-grpc.ts";
import { headerObject, headerValue } from "./node-headers.ts";
import { asConnectError, messageTooLarge } from "./connect-errors.ts";
import { watchBodyWait, type CallDeadline } from "./body-wait.ts";
import { CALL_COMPLETED, clientCancelled, OpenCalls } from "./open-calls.ts";
import {
  SingleRequestMethodRegistry,
  type ServerStreamingMethodSpec,
  type SingleRequestMethodSpec,
  type UnaryMethodSpec,
} from "./single-request-method-registry.ts";

type Http1Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;
type MethodSerialization = ReturnType<typeof createMethodSerializationLookup>;
type Limits = ReturnType<typeof validateUniversalHandlerOptions>;

/** The connect adapter's options that the fast paths share, plus the adapter's response compressions. */
export interface FastConnectOptions extends FastGrpcOptions {
  /** Response compressions offered; connect-node's default (gzip, brotli) unless given, as for the adapter. */
  readonly acceptCompression?: readonly Compression[];
}

/** A method with its serializers, built once (connect builds them once per handler too). */
interface ConnectMethod<Spec extends SingleRequestMethodSpec = SingleRequestMethodSpec> {
  readonly spec: Spec;
  readonly serialization: MethodSerialization;
}

/** A Connect request body format: unary or enveloped (streaming), JSON or binary. */
interface Format {
  readonly stream: boolean;
  readonly binary: boolean;
}

/** The content types this path serves, exactly as connect-web and connect-es send them. */
const FORMATS = new Map<string, Format>([
  [contentTypeUnaryJson, { stream: false, binary: false }],
  [contentTypeUnaryProto, { stream: false, binary: true }],
  [contentTypeStreamJson, { stream: true, binary: false }],
  [contentTypeStreamProto, { stream: true, binary: true }],
]);

const END_STREAM = createEndStreamSerialization(undefined);

/**
 * Serves Connect-protocol calls that start from one request message directly on node:http: unary
 * POSTs with an uncompressed `application/json` or `application/proto` body (what connect-web
 * sends from a browser), and server-streaming calls in `application/connect+json` or
 * `+proto` without compression (WatchTicket from a browser). Everything else (GET, client and
 * bidi streaming, gRPC-Web, compression, query strings, unknown paths) goes to `fallback`, the
 * connect adapter, except a request without a usable Host header, which is refused with 400: the
 * adapter would throw on it synchronously, in Node's request event, and crash the process.
 *
 * The implementations and interceptors are the ones the connect adapter serves (collected from the
 * same routes function), and each call runs through the same pieces of connect as its Connect
 * handlers do, with a context equivalent to connect's `createHandlerContext` (call-context.ts):
 * connect's timeout parser, its serializers with the same limits and JSON options,
 * `invokeUnaryImplementation` / `transformInvokeImplementation`, its envelope parsing of a
 * stream's request, its error JSON and end-stream message, HTTP status mapping, `trailer-` muxing
 * and response compression. What this path leaves out is connect-node's
 * generic machinery (a universal request with its own AbortController and Headers, the body as an
 * async generator, the response as a pipeline of async iterables written through promises) that
 * costs most of a small call (figures in BENCHMARKS.md, benchmark 2). test/net/fast-connect.test.ts
 * compares the two paths response by response.
 */
export function withFastConnect(options: FastConnectOptions, fallback: Http1Handler): Http1Handler {
  const registry = new SingleRequestMethodRegistry(options.routes);
  const limits = validateUniversalHandlerOptions({ readMaxBytes: options.readMaxBytes });
  const serving: Serving = {
    limits,
    compressions: [...(options.acceptCompression ?? [compressionGzip, compressionBrotli])],
    interceptors: [...options.interceptors],
    calls: new OpenCalls(options.shutdownSignal),
  };
  const urls = new RequestUrls();
  // Only methods that exist are remembered: a path is whatever a client sends.
  const methods = new Map<string, ConnectMethod>();
  const methodAt = (path: string): ConnectMethod | undefined => {
    const known = methods.get(path);
    if (known !== undefined) return known;
    const spec = registry.get(path);
    if (spec === undefined) return undefined;
    const method = { spec, serialization: createMethodSerializationLookup(spec.method, undefined, undefined, limits) };
    methods.set(path, method);
    return method;
  };
  return (request, response) => {
    const path = request.url ?? "";
    const url = urls.of(request.headers.host, path);
    if (url === undefined) {
      // connect-node throws on such a request from inside Node's request event: the process would crash.
      response.writeHead(400, { "content-type": "text/plain" });
      response.end("invalid or missing Host header");
      return;
    }
    const format = request.method === "POST" ? FORMATS.get(request.headers["content-type"] ?? "") : undefined;
    const method = format === undefined ? undefined : methodAt(path);
    if (format === undefined || method === undefined) {
      fallback(request, response);
      return;
    }
    const { spec, serialization } = method;
    if (spec.kind === "unary" && !format.stream && isUncompressedUnary(request)) {
      void serveUnary({ spec, serialization }, format.binary, url, request, response, serving);
    } else if (spec.kind === "server_streaming" && format.stream && isUncompressedStream(request, serving.compressions)) {
      void serveServerStreaming({ spec, serialization }, format.binary, url, request, response, serving);
    } else {
      fallback(request, response);
    }
  };
}

interface Serving {
  readonly limits: Limits;
  readonly compressions: Compression[];
  readonly interceptors: Interceptor[];
  readonly calls: OpenCalls;
}

/** A unary body without compression (connect also takes `identity` as none). */
function isUncompressedUnary(request: http.IncomingMessage): boolean {
  const encoding = request.headers["content-encoding"];
  return encoding === undefined || encoding === "identity";
}

/**
 * A stream whose request is not compressed and whose responses connect would not compress either
 * (the client accepts no compression connect offers); anything else, including an unknown
 * encoding (an error connect reports), is the adapter's.
 */
function isUncompressedStream(request: http.IncomingMessage, compressions: Compression[]): boolean {
  const accepted = request.headers["connect-accept-encoding"];
  const encoding = request.headers["connect-content-encoding"];
  if (accepted === undefined && encoding === undefined) return true;
  const negotiated = compressionNegotiate(compressions, headerValue(encoding), headerValue(accepted), headerStreamAcceptEncoding);
  return negotiated.request === null && negotiated.response === null && negotiated.error === undefined;
}

/**
 * The URL connect-node gives the handler context (`new URL(path, "http://" + host)`), for a path
 * the registry knows (so already normalised). Resolving an absolute path keeps only the base's
 * scheme and authority, so the URL is the normalised `http://host` followed by the path; that
 * prefix is remembered for the last Host seen (a deployment is reached under one or a few).
 */
class RequestUrls {
  #host: string | undefined;
  #prefix: string | undefined;

  /** Undefined when there is no Host header (HTTP/1.0) or it makes no URL. */
  of(host: string | undefined, path: string): string | undefined {
    if (host === undefined) return undefined;
    if (host !== this.#host) {
      this.#host = host;
      this.#prefix = URL.parse("/", `http://${host}`)?.href.slice(0, -1);
    }
    return this.#prefix === undefined ? undefined : this.#prefix + path;
  }
}

/** A Connect response's initial trailer: empty (connect's Connect handlers set none up front). */
const NO_FIELDS = {} as const;

/**
 * A call as connect's Connect handlers start it: its deadline (or why the header is invalid) and
 * its context, which the server's shutdown signal reaches until the call ends.
 */
function startCall(spec: SingleRequestMethodSpec, contentType: string, url: string, request: http.IncomingMessage, calls: OpenCalls) {
  const timeout = parseTimeout(headerValue(request.headers["connect-timeout-ms"]), Number.MAX_SAFE_INTEGER);
  const context = createCallContext({
    method: spec.method,
    protocolName: "connect",
    url,
    requestHeader: request.headers,
    timeoutMs: timeout.timeoutMs,
    contentType,
    responseTrailer: NO_FIELDS,
  });
  calls.start(context);
  return { timeout, context };
}

/** One unary call, step for step as connect's Connect handler runs a POST. */
async function serveUnary(
  { spec, serialization }: ConnectMethod<UnaryMethodSpec>,
  binary: boolean,
  url: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  { limits, compressions, interceptors, calls }: Serving,
): Promise<void> {
  const { timeout, context } = startCall(spec, binary ? contentTypeUnaryProto : contentTypeUnaryJson, url, request, calls);
  // Until the response is written, a closing response means the client went away.
  const cancel = (): void => context.abort(clientCancelled());
  response.once("close", cancel);
  const compression = compressionNegotiate(compressions, null, headerValue(request.headers["accept-encoding"]), headerUnaryAcceptEncoding);
  let status = 200;
  let body: Uint8Array;
  try {
    if (timeout.error !== undefined) throw timeout.error;
    const input = serialization.getI(binary).parse(await readBody(request, limits.readMaxBytes, context));
    const output = await invokeUnaryImplementation(spec, context, input, interceptors);
    body = serialization.getO(binary).serialize(output);
    // Only a deadline timer needs releasing: aborting costs an event dispatch per call.
    if (timeout.timeoutMs !== undefined) context.abort(CALL_COMPLETED);
  } catch (reason) {
    context.abort(reason);
    const error = asConnectError(reason);
    status = codeToHttpStatus(error.code);
    context.responseHeader.set(headerContentType, contentTypeUnaryJson);
    if (!error.isWireError) mergeNonProtocolHeaders(context.responseHeader, error.metadata);
    body = errorToJsonBytes(error, undefined);
    // A body that never arrived in time still has bytes to come, which would be read as the next
    // request (or meet Node's 408 later on the same connection): this answer is its last.
    if (error.code === Code.DeadlineExceeded && !request.complete) response.shouldKeepAlive = false;
  } finally {
    calls.end(context);
    response.off("close", cancel);
  }
  if (compression.response !== null && body.byteLength >= limits.compressMinBytes) {
    body = await compression.response.compress(body);
    context.responseHeader.set(headerUnaryEncoding, compression.response.name);
  }
  if (response.destroyed) return;
  // Muxing copies the headers; without trailers (most calls) the copy would be the same headers.
  const header = context.responseTrailer.isEmpty() ? context.responseHeader : trailerMux(context.responseHeader, context.responseTrailer);
  header.set(headerUnaryContentLength, String(body.byteLength));
  response.writeHead(status, headerObject(header));
  response.end(body);
}

/**
 * One server-streaming call, as connect's Connect stream handler runs it: the request through
 * connect's own envelope parsing (same limits, same errors, in the same order relative to the
 * interceptors), each response message in an envelope, then the end-stream message with the
 * trailers and the error if any. Headers go out with the first envelope, so an implementation may
 * still set them before its first `yield`.
 */
async function serveServerStreaming(
  { spec, serialization }: ConnectMethod<ServerStreamingMethodSpec>,
  binary: boolean,
  url: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  { limits, interceptors, calls }: Serving,
): Promise<void> {
  const { timeout, context } = startCall(spec, binary ? contentTypeStreamProto : contentTypeStreamJson, url, request, calls);
  let clientGone = false;
  // Until the end-stream message is written, a closing response means the client went away.
  const cancel = (): void => {
    clientGone = true;
    context.abort(clientCancelled());
  };
  response.once("close", cancel);
  const body: AsyncIterable<Uint8Array> = request;
  const input = pipe(
    body,
    transformPrepend<Uint8Array>(() => {
      if (timeout.error !== undefined) throw timeout.error;
      return undefined;
    }),
    transformSplitEnvelope(limits.readMaxBytes),
    transformDecompressEnvelope(null, limits.readMaxBytes),
    transformParseEnvelope(serialization.getI(binary), endStreamFlag),
  );
  const responses = transformInvokeImplementation(spec, context, interceptors)(input)[Symbol.asyncIterator]();
  const output = serialization.getO(binary);
  let headersSent = false;
  const send = async (flags: number, data: Uint8Array): Promise<void> => {
    if (!headersSent) {
      headersSent = true;
      response.writeHead(200, headerObject(context.responseHeader));
    }
    // A response destroyed before its "close" is emitted takes no write and will never drain.
    if (!response.write(encodeEnvelope(flags, data)) && !response.destroyed) await drained(response);
  };
  let error: ConnectError | undefined;
  try {
    for (let next = await responses.next(); next.done !== true && !clientGone; next = await responses.next()) {
      await send(0, output.serialize(next.value));
    }
  } catch (reason) {
    error = asConnectError(reason);
  } finally {
    calls.end(context);
    context.abort(error ?? CALL_COMPLETED);
    await responses.return?.();
  }
  if (clientGone) return;
  await send(endStreamFlag, END_STREAM.serialize({ metadata: context.responseTrailer, error }));
  response.off("close", cancel);
  response.end();
}

/**
 * The request body, with connect's limit checks and errors: a declared length over the limit fails
 * before anything is read (Node then discards the body); without one, the body fails as soon as it
 * outgrows the limit, and the rest is discarded as it arrives. connect-node stops reading there
 * instead, which leaves a keep-alive connection stalled until its timeout: the one place where
 * this path deliberately differs (the response itself is the same).
 */
function readBody(request: http.IncomingMessage, readMaxBytes: number, call: CallDeadline): Promise<Uint8Array> {
  const declared = declaredLength(request.headers["content-length"]);
  if (declared !== undefined && declared > readMaxBytes) {
    return Promise.reject(messageTooLarge(declared, readMaxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stopWaiting = watchBodyWait(call, (error) => {
      stop();
      request.resume();
      reject(error);
    });
    const stop = (): void => {
      stopWaiting();
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (declared === undefined && received > readMaxBytes) {
        stop();
        request.resume();
        reject(new ConnectError(`message size is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted));
      }
    };
    const onEnd = (): void => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = (error: Error): void => {
      stop();
      reject(ConnectError.from(error, Code.Aborted));
    };
    const onClose = (): void => {
      stop();
      reject(new ConnectError("the client closed the connection before the request ended", Code.Aborted));
    };
    request.on("data", onData);
    request.once("end", onEnd);
    request.once("error", onError);
    request.once("close", onClose);
  });
}

/** A Content-Length connect trusts (a safe non-negative integer), else undefined. */
function declaredLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const length = parseInt(value, 10);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
