import http2 from "node:http2";
import { toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  CALL_COMPLETED,
  failing,
  frame,
  headerObject,
  isPlainGrpc,
  OpenCalls,
  requestMessages,
  setErrorTrailers,
  startCall,
  type FastGrpcOptions,
  type Http2Handler,
} from "./fast-grpc.ts";
import { copyHeaders, invokeServerStreaming, type ServerStreamingResponses } from "./invoke-server-streaming.ts";
import { SingleRequestMethodRegistry, type ServerStreamingMethodSpec } from "./single-request-method-registry.ts";

type HandlerContextController = ReturnType<typeof startCall>["context"];

/**
 * Serves plain gRPC server-streaming calls (uncompressed protobuf, no `Origin`) straight from the
 * HTTP/2 server's `stream` event, and hands every other stream to `requests` as the compatibility
 * request and response node:http2 would have made for it. `server` must have no `request` listener
 * of its own (node:http2 would then make the pair for every stream itself).
 *
 * Why: an idle WatchTicket stream lives for minutes, and node:http2's compatibility pair (two more
 * stream objects with their states and listeners on the HTTP/2 stream) was 2.4 KiB of its heap
 * (BENCHMARKS.md, benchmark 4). The call itself runs as in fast-grpc.ts: connect's context, the same
 * interceptors and implementation (invoke-server-streaming.ts), connect's statuses. Requests with
 * an `Origin` go the compatibility way so that the CORS policy sees them as before.
 */
export function serveGrpcStreams(server: http2.Http2Server, options: FastGrpcOptions, requests: Http2Handler): void {
  const registry = new SingleRequestMethodRegistry(options.routes);
  const interceptors = [...options.interceptors];
  const calls = new OpenCalls(options.shutdownSignal);
  server.on("stream", (stream, headers, _flags, rawHeaders) => {
    const spec = headers.origin === undefined && isPlainGrpc(headers) ? registry.get(headers[":path"] ?? "") : undefined;
    if (spec?.kind === "server_streaming") serveServerStreaming(spec, stream, headers, interceptors, options.readMaxBytes, calls);
    else compatibilityRequest(server, stream, headers, rawHeaders, requests);
  });
}

/** What node:http2 does with a stream for its `request` event (its compat `onServerStream`). */
function compatibilityRequest(
  server: http2.Http2Server,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  rawHeaders: string[],
  requests: Http2Handler,
): void {
  const request = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders);
  const response = new http2.Http2ServerResponse(stream);
  if (headers[":method"] === "CONNECT") {
    if (!server.emit("connect", request, response)) {
      response.statusCode = http2.constants.HTTP_STATUS_METHOD_NOT_ALLOWED;
      response.end();
    }
    return;
  }
  const expect = headers.expect;
  if (expect === undefined) {
    requests(request, response);
  } else if (expect === "100-continue") {
    if (server.listenerCount("checkContinue") > 0) {
      server.emit("checkContinue", request, response);
    } else {
      response.writeContinue();
      requests(request, response);
    }
  } else if (server.listenerCount("checkExpectation") > 0) {
    server.emit("checkExpectation", request, response);
  } else {
    response.statusCode = http2.constants.HTTP_STATUS_EXPECTATION_FAILED;
    response.end();
  }
}

function serveServerStreaming(
  spec: ServerStreamingMethodSpec,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  interceptors: readonly Interceptor[],
  readMaxBytes: number,
  calls: OpenCalls,
): void {
  const { timeout, context } = startCall(spec, headers, calls);
  const call = new ServerStreamingCall(spec.method.output, stream, context, calls);
  const input = timeout.error === undefined ? requestMessages(spec.method.input, stream, readMaxBytes) : failing<MessageShape<DescMessage>>(timeout.error);
  invokeServerStreaming(spec, context, input, interceptors).then(
    (started) => call.start(started),
    (error: unknown) => call.fail(error),
  );
}

/**
 * One server-streaming call on its HTTP/2 stream: writes each response as a gRPC message, waiting
 * for the stream to drain when the client reads slower than the server writes, then the status.
 * Headers go out with the first message (or the status), so an implementation may still set them
 * before its first `yield`, as with connect. A record driven by callbacks rather than an async
 * function, which an idle stream would hold suspended with all its locals.
 */
class ServerStreamingCall {
  readonly #desc: DescMessage;
  readonly #stream: http2.ServerHttp2Stream;
  readonly #context: HandlerContextController;
  readonly #calls: OpenCalls;
  #messages: AsyncIterator<MessageShape<DescMessage>> | undefined;
  #trailer: Headers | undefined;
  #headersSent = false;
  /** Until the trailers are written, a closing stream means the client went away. */
  readonly #cancel = (): void => this.#context.abort(new ConnectError("the client cancelled the call", Code.Canceled));
  readonly #onNext = (result: IteratorResult<MessageShape<DescMessage>>): void => this.#write(result);
  readonly #onError = (error: unknown): void => this.fail(error);

  constructor(desc: DescMessage, stream: http2.ServerHttp2Stream, context: HandlerContextController, calls: OpenCalls) {
    this.#desc = desc;
    this.#stream = stream;
    this.#context = context;
    this.#calls = calls;
    // `on`, not `once`: the listener is removed when the call ends, and once's wrapper costs memory.
    stream.on("close", this.#cancel);
  }

  start(started: ServerStreamingResponses): void {
    this.#messages = started.messages;
    this.#trailer = started.trailer;
    this.#pull();
  }

  fail(error: unknown): void {
    setErrorTrailers(this.#context, error);
    this.#finish();
  }

  #pull(): void {
    this.#messages!.next().then(this.#onNext, this.#onError);
  }

  #write(result: IteratorResult<MessageShape<DescMessage>>): void {
    const stream = this.#stream;
    try {
      if (result.done === true) {
        copyHeaders(this.#trailer!, this.#context.responseTrailer);
        this.#finish();
        return;
      }
      if (stream.destroyed) {
        this.#finish();
        return;
      }
      this.#sendHeaders();
      if (stream.write(frame(toBinary(this.#desc, result.value)))) {
        this.#pull();
      } else {
        // Only a call the client reads slowly gets this listener.
        const drained = (): void => {
          stream.off("drain", drained);
          stream.off("close", drained);
          this.#pull();
        };
        stream.on("drain", drained);
        stream.on("close", drained);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  #sendHeaders(): void {
    if (this.#headersSent) return;
    this.#headersSent = true;
    this.#stream.respond({ ...headerObject(this.#context.responseHeader), ":status": 200 }, { waitForTrailers: true });
  }

  /** Releases the call, lets the implementation finish, then writes the status. */
  #finish(): void {
    const context = this.#context;
    this.#calls.end(context);
    this.#stream.off("close", this.#cancel);
    context.abort(CALL_COMPLETED);
    const messages = this.#messages;
    this.#messages = undefined;
    const end = (): void => this.#end();
    if (messages?.return === undefined) end();
    else messages.return().then(end, end);
  }

  #end(): void {
    const stream = this.#stream;
    if (stream.destroyed) return;
    stream.resume();
    this.#sendHeaders();
    const trailers = headerObject(this.#context.responseTrailer);
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    stream.end();
  }
}
