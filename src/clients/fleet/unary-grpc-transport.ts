import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";
import { create, fromBinary, isMessage, toBinary, type DescMessage, type DescMethodStreaming, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { validateResponse, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { errorMessage } from "../../shared/error-message.ts";
import { frame, GRPC_FRAME_HEADER_BYTES } from "../../shared/grpc-frame.ts";
import { grpcTimeout, singleMessage, webHeaders } from "./grpc-unary-framing.ts";
import { connectErrorFromNode, connectErrorFromResetCode } from "./h2-call-errors.ts";
import { LONGEST_TIMER_MS } from "../../shared/longest-timer.ts";

/** Largest response message accepted, in bytes: a fleet's answer is a few hundred. */
const READ_MAX_BYTES = 4 * 1024 * 1024;

/** What a call's extra headers may be given as (the web `HeadersInit`, which Node's types do not name). */
type HeadersSource = ConstructorParameters<typeof Headers>[0];

/** Sent unless the call gives its own. */
const USER_AGENT = "matchmaker-fleet-client";

/** What the transport uses of connect-node's `Http2SessionManager`. */
export type SessionSource = Pick<Http2SessionManager, "request" | "notifyResponseByteRead">;

/** What {@link UnaryGrpcTransport} needs. */
export interface UnaryGrpcTransportOptions {
  /** The fleet's URL; a path in it prefixes every method's. */
  readonly baseUrl: URL;
  /** The connection every call runs on (keep-alive, reconnects): connect-node's `Http2SessionManager`. */
  readonly sessionManager: SessionSource;
  /** Serves the streaming calls, which this transport leaves alone. */
  readonly streaming: Transport;
}

/**
 * A connect `Transport` whose unary calls (plain gRPC, uncompressed protobuf) are written straight
 * onto an HTTP/2 stream of the fleet's connection; streaming calls go to connect's own transport
 * over the same connection. Status, messages and error codes are connect's: the response and
 * trailers go through connect's own gRPC validation.
 *
 * Why: connect-node runs a unary call through its general streaming machinery (async-iterable
 * pipelines on both sides, stream adapters, a linked abort controller whose abort builds a
 * DOMException, a ConnectError built as the stream closes). Against the reference registry that
 * cost 172-209 µs of CPU per allocation with 16 in flight, against 32-42 µs for the same call
 * written by hand on `node:http2` and 44-62 µs through this transport with the fleet clients
 * retries (BENCHMARKS.md, section 9), and every match makes one.
 *
 * Where it departs from connect-node, it follows the gRPC protocol: a fleet's RST_STREAM
 * REFUSED_STREAM is UNAVAILABLE and ENHANCE_YOUR_CALM RESOURCE_EXHAUSTED (connect-node reports
 * both as INTERNAL), and `grpc-timeout` never has more than 8 digits.
 */
export class UnaryGrpcTransport implements Transport {
  readonly #pathPrefix: string;
  readonly #sessions: SessionSource;
  readonly #streaming: Transport;

  constructor(options: UnaryGrpcTransportOptions) {
    this.#pathPrefix = options.baseUrl.pathname.replace(/\/+$/, "");
    this.#sessions = options.sessionManager;
    this.#streaming = options.streaming;
  }

  async unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersSource | undefined,
    input: MessageInitShape<I>,
  ): Promise<UnaryResponse<I, O>> {
    const body = frame(serialized(method.input, input));
    const headers: OutgoingHttpHeaders = {};
    if (header !== undefined) new Headers(header).forEach((value, name) => (headers[name] = value));
    headers["content-type"] = "application/grpc+proto";
    headers.te = "trailers";
    // Optional in gRPC, but what a fleet's access logs show of its caller.
    headers["user-agent"] ??= USER_AGENT;
    const deadline = timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : undefined;
    if (deadline !== undefined) headers["grpc-timeout"] = grpcTimeout(deadline);
    const call = new UnaryCall(this.#sessions, signal, deadline);
    const answer = await call.run(`${this.#pathPrefix}/${method.parent.typeName}/${method.name}`, headers, body);
    return {
      stream: false,
      service: method.parent,
      method,
      header: answer.header,
      message: parsed(method.output, answer.message),
      trailer: answer.trailer,
    };
  }

  stream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodStreaming<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersSource | undefined,
    input: AsyncIterable<MessageInitShape<I>>,
    contextValues?: ContextValues,
  ): Promise<StreamResponse<I, O>> {
    return this.#streaming.stream(method, signal, timeoutMs, header, input, contextValues);
  }
}

/** The request message in protobuf's binary form; a message that cannot be is an INTERNAL error, as in connect. */
function serialized<I extends DescMessage>(schema: I, input: MessageInitShape<I>): Uint8Array {
  try {
    return toBinary(schema, isMessage(input, schema) ? input : create(schema, input));
  } catch (error) {
    throw new ConnectError(`serialize binary: ${errorMessage(error)}`, Code.Internal, undefined, undefined, error);
  }
}

/** The answer's message; bytes that are not one are an INTERNAL error, as in connect. */
function parsed<O extends DescMessage>(schema: O, bytes: Uint8Array): MessageShape<O> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    throw new ConnectError(`parse binary: ${errorMessage(error)}`, Code.Internal, undefined, undefined, error);
  }
}

/** A unary call's answer, before its message is decoded. */
interface UnaryAnswer {
  readonly header: Headers;
  readonly trailer: Headers;
  readonly message: Uint8Array;
}

/**
 * One unary call on its own stream, from the request to a validated answer or a ConnectError: the
 * caller's signal and the deadline end it early, closing the stream.
 */
class UnaryCall {
  readonly #sessions: SessionSource;
  readonly #signal: AbortSignal | undefined;
  readonly #deadlineMs: number | undefined;
  #stream: ClientHttp2Stream | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #settled = false;
  #resolve!: (answer: UnaryAnswer) => void;
  #reject!: (error: ConnectError) => void;
  #header: Headers | undefined;
  #trailer: Headers | undefined;
  #streamError: unknown;
  #status = 0;
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  readonly #onAbort = (): void => this.#fail(new ConnectError("the call was cancelled", Code.Canceled, undefined, undefined, this.#signal?.reason));

  constructor(sessions: SessionSource, signal: AbortSignal | undefined, deadlineMs: number | undefined) {
    this.#sessions = sessions;
    this.#signal = signal;
    this.#deadlineMs = deadlineMs;
  }

  run(path: string, headers: OutgoingHttpHeaders, framed: Buffer): Promise<UnaryAnswer> {
    const answer = new Promise<UnaryAnswer>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (this.#signal?.aborted) {
      this.#onAbort();
      return answer;
    }
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (this.#deadlineMs !== undefined && this.#deadlineMs <= LONGEST_TIMER_MS) {
      this.#timer = setTimeout(() => this.#fail(new ConnectError("the operation timed out", Code.DeadlineExceeded)), this.#deadlineMs);
    }
    this.#sessions.request("POST", path, headers, {}).then(
      (stream) => this.#send(stream, framed),
      (error: unknown) => this.#fail(connectErrorFromNode(error)),
    );
    return answer;
  }

  #send(stream: ClientHttp2Stream, framed: Buffer): void {
    // Listened to before anything else: a stream the call no longer wants can still fail (its
    // connection dropping) before it is gone, and an unheard 'error' would end the process. The
    // error is judged when the stream closes, which always follows.
    stream.on("error", (error: unknown) => (this.#streamError = error));
    if (this.#settled) {
      stream.close(constants.NGHTTP2_CANCEL);
      return;
    }
    this.#stream = stream;
    stream.on("response", (headers) => this.#onResponse(headers));
    stream.on("data", (chunk: Buffer) => this.#onData(chunk));
    stream.on("trailers", (trailers) => (this.#trailer = webHeaders(trailers)));
    stream.on("close", () => this.#onClose());
    stream.end(framed);
  }

  #onResponse(headers: IncomingHttpHeaders): void {
    this.#status = Number(headers[":status"]);
    this.#header = webHeaders(headers);
  }

  #onData(chunk: Buffer): void {
    if (this.#settled) return;
    this.#sessions.notifyResponseByteRead(this.#stream!);
    this.#bytes += chunk.byteLength;
    if (this.#bytes > GRPC_FRAME_HEADER_BYTES + READ_MAX_BYTES) {
      this.#fail(new ConnectError(`message larger than ${READ_MAX_BYTES} bytes`, Code.ResourceExhausted));
      return;
    }
    this.#chunks.push(chunk);
  }

  /**
   * The stream is over: the answer is judged once every byte and the trailers are in (Node may
   * hand over the trailers before the last data). A stream reset before any answer is an error of
   * its own; an answer with its status in the headers alone (trailers-only) has no trailers.
   */
  #onClose(): void {
    if (this.#settled) return;
    const header = this.#header;
    const rstCode = this.#stream?.rstCode ?? constants.NGHTTP2_NO_ERROR;
    const answered = header !== undefined && (this.#trailer !== undefined || header.has("grpc-status"));
    if (!answered) {
      // The fleet's own RST_STREAM reaches us as ERR_HTTP2_STREAM_ERROR, and its code says what
      // happened. Any other error (the socket reset, the session manager's PING timeout) destroyed
      // the stream here, with a code of Node's choosing that says nothing about the fleet.
      const error = this.#streamError;
      if (error !== undefined && (error as NodeJS.ErrnoException).code !== "ERR_HTTP2_STREAM_ERROR") this.#fail(connectErrorFromNode(error));
      else if (header === undefined || rstCode !== constants.NGHTTP2_NO_ERROR) this.#fail(connectErrorFromResetCode(rstCode));
    }
    if (this.#settled || header === undefined) return;
    try {
      const { headerError } = validateResponse(this.#status, header);
      const trailer = this.#trailer ?? new Headers();
      validateTrailer(trailer, header);
      const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
      if (headerError !== undefined) {
        if (body.byteLength === 0) throw headerError;
        throw new ConnectError("protocol error: received output message for unary method with error status", Code.Unknown);
      }
      const message = singleMessage(body, trailer);
      this.#finish();
      this.#resolve({ header, trailer, message });
    } catch (error) {
      this.#fail(ConnectError.from(error));
    }
  }

  #fail(error: ConnectError): void {
    if (this.#settled) return;
    this.#finish();
    const stream = this.#stream;
    if (stream !== undefined && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    this.#reject(error);
  }

  #finish(): void {
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}
