import http2 from "node:http2";
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { errorMessage } from "../shared/error-message.ts";
import { asConnectError, messageTooLarge } from "./connect-errors.ts";
import { createCallContext, type CallContext } from "./call-context.ts";
import { encodeGrpcMessage } from "./grpc-message-encoding.ts";
import { headerValue } from "./node-headers.ts";
import { clientCancelled, type OpenCalls } from "./open-calls.ts";
import type { SingleRequestMethodSpec } from "./single-request-method-registry.ts";
import { GRPC_FRAME_HEADER_BYTES } from "../shared/grpc-frame.ts";
import { watchBodyWait, type CallDeadline } from "./body-wait.ts";

// The pieces of gRPC's wire format and of connect's gRPC handler that both fast paths (unary in
// fast-grpc.ts, server streaming in grpc-server-streaming.ts) use, with connect's errors.

/** The response content type connect-node gives binary gRPC. */
export const GRPC_PROTO = "application/grpc+proto";
/** A gRPC response's trailer until the call ends otherwise: shared by every call, never changed. */
const OK_TRAILER = { "grpc-status": "0" } as const;
const COMPRESSED_FLAG = 0b1;

/** A call as connect's gRPC handler starts it: its deadline (or why the header is invalid) and its context. */
export function startCall(spec: SingleRequestMethodSpec, headers: http2.IncomingHttpHeaders, calls: OpenCalls) {
  const timeout = parseTimeout(headerValue(headers["grpc-timeout"]), Number.MAX_SAFE_INTEGER);
  const context = createCallContext({
    method: spec.method,
    protocolName: "grpc",
    url: `http://${headers[":authority"] ?? "localhost"}${headers[":path"]}`,
    requestHeader: headers,
    timeoutMs: timeout.timeoutMs,
    contentType: GRPC_PROTO,
    responseTrailer: OK_TRAILER,
  });
  calls.start(context);
  const cancel = (): void => context.abort(clientCancelled());
  return { timeout, context, cancel };
}

/**
 * Sends a call's trailers, ending the response; then, when the client has not finished sending its
 * request (a call ended by its deadline, or refused before its body was read), resets the stream
 * with NO_ERROR, as HTTP/2 and gRPC allow once the response is complete. Otherwise the stream
 * would stay half open, holding its memory and one of the connection's streams, until the client
 * ended its side, which a hostile one never does. The reset waits a turn: sent at once, it would
 * overtake the trailers.
 */
export function sendTrailersAndEnd(stream: http2.ServerHttp2Stream, trailers: http2.OutgoingHttpHeaders): void {
  stream.sendTrailers(trailers);
  if (!stream.readableEnded) setImmediate(closeUnfinished, stream);
}

function closeUnfinished(stream: http2.ServerHttp2Stream): void {
  if (!stream.closed && !stream.readableEnded) stream.close(http2.constants.NGHTTP2_NO_ERROR);
}

/** As the compatibility API does: a stream reset by the client must not become an uncaught error. */
export function ignoreStreamErrors(stream: http2.ServerHttp2Stream): void {
  stream.on("error", ignore);
}

function ignore(): void {}

/** Ends a call with `error` as its status, as connect's gRPC handler reports it. */
export function setErrorTrailers(context: CallContext, error: unknown): void {
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
export async function* requestMessages<Desc extends DescMessage>(desc: Desc, request: http2.ServerHttp2Stream, readMaxBytes: number, call: CallDeadline): AsyncGenerator<MessageShape<Desc>> {
  yield* frames(desc, await readBody(request, readMaxBytes, call), readMaxBytes);
}

/**
 * The messages of a request body, parsed one at a time as they are asked for, with the checks and
 * errors of connect's gRPC handler (and in its order): size limit, no compressed flag without an
 * encoding, no incomplete trailing envelope.
 */
export function* frames<Desc extends DescMessage>(desc: Desc, body: Buffer, readMaxBytes: number): Generator<MessageShape<Desc>, void, undefined> {
  let offset = 0;
  while (body.length - offset >= GRPC_FRAME_HEADER_BYTES) {
    const length = body.readUInt32BE(offset + 1);
    if (length > readMaxBytes) throw messageTooLarge(length, readMaxBytes);
    const end = offset + GRPC_FRAME_HEADER_BYTES + length;
    if (end > body.length) break;
    const flags = body[offset]!;
    const data = body.subarray(offset + GRPC_FRAME_HEADER_BYTES, end);
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
 * stops reading once the first message and the next envelope's header are in: a single-request
 * call needs no more to decide (a second message is an error), and a client that sends a second
 * message and stalls holds one message's worth, not two (131 KB a stream in a hostile test). A
 * stream that closes before its end (the client reset it) fails the read as cancelled, and one
 * whose end does not come in time (see {@link watchBodyWait}) with the reason, rather than leaving
 * the call waiting for an end that never comes.
 */
export function readBody(request: http2.ServerHttp2Stream, readMaxBytes: number, call: CallDeadline): Promise<Buffer> {
  let enough = Number.POSITIVE_INFINITY;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let lengthChecked = false;
    const stopWaiting = watchBodyWait(
      call,
      (error) => {
        stop();
        reject(error);
      },
      request.session,
    );
    const stop = (): void => {
      stopWaiting();
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (!lengthChecked && received >= GRPC_FRAME_HEADER_BYTES) {
        lengthChecked = true;
        const length = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).readUInt32BE(1);
        if (length > readMaxBytes) {
          stop();
          reject(messageTooLarge(length, readMaxBytes));
          return;
        }
        enough = 2 * GRPC_FRAME_HEADER_BYTES + length;
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
