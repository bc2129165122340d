import type http2 from "node:http2";
import { toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { failing, ignoreStreamErrors, requestMessages, sendTrailersAndEnd, setErrorTrailers, startCall } from "./grpc-wire.ts";
import { frame } from "../shared/grpc-frame.ts";
import type { CallContext } from "./call-context.ts";
import { copyHeaders, invokeServerStreaming, type ServerStreamingResponses } from "./invoke-server-streaming.ts";
import { CALL_COMPLETED, type OpenCalls } from "./open-calls.ts";
import { pullNext, type Pullable } from "./pull-source.ts";
import type { ServerStreamingMethodSpec } from "./single-request-method-registry.ts";

/**
 * Serves a plain gRPC server-streaming call (uncompressed protobuf) straight from its HTTP/2 stream,
 * for FastGrpc (fast-grpc.ts): before node:http2 wraps the stream in its compatibility request and
 * response.
 *
 * Why: an idle WatchTicket stream lives for minutes, and node:http2's compatibility pair (two more
 * stream objects with their states and listeners on the HTTP/2 stream) was 2.4 KiB of its heap
 * (BENCHMARKS.md, benchmark 4). The call itself runs as a unary one does: the same context, the same
 * interceptors and implementation (invoke-server-streaming.ts), connect's statuses.
 */
export function serveServerStreaming(
  spec: ServerStreamingMethodSpec,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  interceptors: readonly Interceptor[],
  readMaxBytes: number,
  calls: OpenCalls,
): void {
  const { timeout, context, cancel } = startCall(spec, headers, calls);
  const call = new ServerStreamingCall(spec.method.output, stream, context, cancel, calls);
  const input = timeout.error === undefined ? requestMessages(spec.method.input, stream, readMaxBytes, context) : failing<MessageShape<DescMessage>>(timeout.error);
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
  readonly #context: CallContext;
  readonly #calls: OpenCalls;
  #messages: Pullable<MessageShape<DescMessage>> | undefined;
  #trailer: Headers | undefined;
  #headersSent = false;
  /** Until the trailers are written, a closing stream means the client went away. */
  readonly #cancel: () => void;
  readonly #onNext = (result: IteratorResult<MessageShape<DescMessage>>): void => this.#write(result);
  readonly #onError = (error: unknown): void => this.fail(error);

  constructor(desc: DescMessage, stream: http2.ServerHttp2Stream, context: CallContext, cancel: () => void, calls: OpenCalls) {
    this.#desc = desc;
    this.#stream = stream;
    this.#context = context;
    this.#cancel = cancel;
    this.#calls = calls;
    ignoreStreamErrors(stream);
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

  /** Asks for the next message, by callbacks if the responses offer them (they may answer at once). */
  #pull(): void {
    pullNext(this.#messages!, this.#onNext, this.#onError);
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
    this.#stream.respond({ ...this.#context.responseHeader.toObject(), ":status": 200 }, { waitForTrailers: true });
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
    const trailers = this.#context.responseTrailer.toObject();
    stream.once("wantTrailers", () => sendTrailersAndEnd(stream, trailers));
    stream.end();
  }
}
