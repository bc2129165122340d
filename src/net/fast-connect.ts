import type http from "node:http";
import {
  Code,
  ConnectError,
  createContextValues,
  createHandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import {
  compressionNegotiate,
  createMethodSerializationLookup,
  invokeUnaryImplementation,
  mergeNonProtocolHeaders,
  validateUniversalHandlerOptions,
  type Compression,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  contentTypeUnaryJson,
  contentTypeUnaryProto,
  errorToJsonBytes,
  headerContentType,
  headerUnaryAcceptEncoding,
  headerUnaryContentLength,
  headerUnaryEncoding,
  parseTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { FastGrpcOptions } from "./fast-grpc.ts";
import { headerObject, headerValue, requestHeaders } from "./node-headers.ts";
import { CALL_COMPLETED, OpenCalls } from "./open-calls.ts";
import { SingleRequestMethodRegistry, type UnaryMethodSpec } from "./single-request-method-registry.ts";

type Http1Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;
type MethodSerialization = ReturnType<typeof createMethodSerializationLookup>;
type Limits = ReturnType<typeof validateUniversalHandlerOptions>;

/** The connect adapter's options that the fast paths share, plus the adapter's response compressions. */
export interface FastConnectOptions extends FastGrpcOptions {
  /** Response compressions offered; connect-node's default (gzip, brotli) unless given, as for the adapter. */
  readonly acceptCompression?: readonly Compression[];
}

/** A unary method with its serializers, built once (connect builds them once per handler too). */
interface UnaryMethod {
  readonly spec: UnaryMethodSpec;
  readonly serialization: MethodSerialization;
}

/**
 * Serves Connect-protocol unary calls with an uncompressed `application/json` or
 * `application/proto` POST body (what connect-web sends from a browser) directly on node:http, and
 * hands everything else (GET, streaming, gRPC-Web, compressed bodies, query strings, unknown paths)
 * to `fallback`, the connect adapter.
 *
 * The implementations and interceptors are the ones the connect adapter serves (collected from the
 * same routes function), and each call runs through the same pieces of connect as its Connect
 * handler does: `createHandlerContext`, connect's timeout parser, its serializers with the same
 * limits and JSON options, `invokeUnaryImplementation`, its error JSON, HTTP status mapping,
 * `trailer-` muxing and response compression. What this path leaves out is connect-node's generic
 * machinery (a universal request with its own AbortController and Headers, the body as an async
 * generator, the response as an async iterable written through promises) that costs most of a
 * small call (figures in BENCHMARKS.md, benchmark 2). test/net/fast-connect.test.ts compares the
 * two paths response by response.
 */
export function withFastConnect(options: FastConnectOptions, fallback: Http1Handler): Http1Handler {
  const registry = new SingleRequestMethodRegistry(options.routes);
  const limits = validateUniversalHandlerOptions({ readMaxBytes: options.readMaxBytes });
  const compressions = [...(options.acceptCompression ?? [compressionGzip, compressionBrotli])];
  const interceptors = [...options.interceptors];
  const calls = new OpenCalls(options.shutdownSignal);
  const urls = new RequestUrls();
  // Only methods that exist are remembered: a path is whatever a client sends.
  const methods = new Map<string, UnaryMethod>();
  const unaryMethod = (path: string): UnaryMethod | undefined => {
    const known = methods.get(path);
    if (known !== undefined) return known;
    const spec = registry.get(path);
    if (spec?.kind !== "unary") return undefined;
    const method = { spec, serialization: createMethodSerializationLookup(spec.method, undefined, undefined, limits) };
    methods.set(path, method);
    return method;
  };
  return (request, response) => {
    const binary = plainUnaryFormat(request);
    const method = binary === undefined ? undefined : unaryMethod(request.url ?? "");
    const url = method === undefined ? undefined : urls.of(request.headers.host, request.url ?? "");
    if (method === undefined || url === undefined) fallback(request, response);
    else void serveUnary(method, binary === true, url, request, response, { limits, compressions, interceptors, calls });
  };
}

interface Serving {
  readonly limits: Limits;
  readonly compressions: Compression[];
  readonly interceptors: Interceptor[];
  readonly calls: OpenCalls;
}

/**
 * Whether the request is a POST with an uncompressed unary Connect body, and if so whether that
 * body is binary; undefined for anything the connect adapter must serve.
 */
function plainUnaryFormat(request: http.IncomingMessage): boolean | undefined {
  if (request.method !== "POST") return undefined;
  const encoding = request.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "identity") return undefined;
  const contentType = request.headers["content-type"];
  return contentType === contentTypeUnaryJson ? false : contentType === contentTypeUnaryProto ? true : undefined;
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

  /** Undefined when the Host header makes no URL: the adapter deals with such a request as it always has. */
  of(host: string | undefined, path: string): string | undefined {
    if (host === undefined) return undefined;
    if (host !== this.#host) {
      this.#host = host;
      this.#prefix = URL.parse("/", `http://${host}`)?.href.slice(0, -1);
    }
    return this.#prefix === undefined ? undefined : this.#prefix + path;
  }
}

/** One unary call, step for step as connect's Connect handler runs a POST. */
async function serveUnary(
  { spec, serialization }: UnaryMethod,
  binary: boolean,
  url: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  { limits, compressions, interceptors, calls }: Serving,
): Promise<void> {
  const headers = request.headers;
  const timeout = parseTimeout(headerValue(headers["connect-timeout-ms"]), Number.MAX_SAFE_INTEGER);
  const context = createHandlerContext({
    service: spec.method.parent,
    method: spec.method,
    protocolName: "connect",
    requestMethod: "POST",
    url,
    timeoutMs: timeout.timeoutMs,
    requestHeader: requestHeaders(headers),
    responseHeader: { [headerContentType]: binary ? contentTypeUnaryProto : contentTypeUnaryJson },
    contextValues: createContextValues(),
  });
  calls.start(context);
  // Until the response is written, a closing response means the client went away.
  const cancel = (): void => context.abort(new ConnectError("the client cancelled the call", Code.Canceled));
  response.once("close", cancel);
  const compression = compressionNegotiate(compressions, null, headerValue(headers["accept-encoding"]), headerUnaryAcceptEncoding);
  let status = 200;
  let body: Uint8Array;
  try {
    if (timeout.error !== undefined) throw timeout.error;
    const input = serialization.getI(binary).parse(await readBody(request, limits.readMaxBytes));
    const output = await invokeUnaryImplementation(spec, context, input, interceptors);
    body = serialization.getO(binary).serialize(output);
    // Only a deadline timer needs releasing: aborting costs an event dispatch per call.
    if (timeout.timeoutMs !== undefined) context.abort(CALL_COMPLETED);
  } catch (reason) {
    context.abort(reason);
    const error = reason instanceof ConnectError ? reason : new ConnectError("internal error", Code.Internal, undefined, undefined, reason);
    status = codeToHttpStatus(error.code);
    context.responseHeader.set(headerContentType, contentTypeUnaryJson);
    if (!error.isWireError) mergeNonProtocolHeaders(context.responseHeader, error.metadata);
    body = errorToJsonBytes(error, undefined);
  } finally {
    calls.end(context);
    response.off("close", cancel);
  }
  if (compression.response !== null && body.byteLength >= limits.compressMinBytes) {
    body = await compression.response.compress(body);
    context.responseHeader.set(headerUnaryEncoding, compression.response.name);
  }
  if (response.destroyed) return;
  const header = trailerMux(context.responseHeader, context.responseTrailer);
  header.set(headerUnaryContentLength, String(body.byteLength));
  response.writeHead(status, headerObject(header));
  response.end(body);
}

/**
 * The request body, with connect's limit checks and errors: a declared length over the limit fails
 * before anything is read (Node then discards the body); without one, the body fails as soon as it
 * outgrows the limit, and the rest is discarded as it arrives. connect-node stops reading there
 * instead, which leaves a keep-alive connection stalled until its timeout: the one place where
 * this path deliberately differs (the response itself is the same).
 */
function readBody(request: http.IncomingMessage, readMaxBytes: number): Promise<Uint8Array> {
  const declared = declaredLength(request.headers["content-length"]);
  if (declared !== undefined && declared > readMaxBytes) {
    return Promise.reject(new ConnectError(`message size ${declared} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (): void => {
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
