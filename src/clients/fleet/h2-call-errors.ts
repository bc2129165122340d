import { constants } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The gRPC code for a stream reset without an answer, as the gRPC protocol over HTTP/2 maps reset
 * codes: a cancelled stream (CANCEL, also what a server that drops the connection during the TLS
 * handshake leaves) is CANCELLED, a refused one UNAVAILABLE, ENHANCE_YOUR_CALM RESOURCE_EXHAUSTED,
 * and a security refusal PERMISSION_DENIED; anything else is INTERNAL.
 */
export function connectErrorFromResetCode(rstCode: number): ConnectError {
  const message = `the stream was closed before the fleet answered (HTTP/2 code ${rstCode})`;
  switch (rstCode) {
    case constants.NGHTTP2_CANCEL:
      return new ConnectError(message, Code.Canceled);
    case constants.NGHTTP2_REFUSED_STREAM:
      return new ConnectError(message, Code.Unavailable);
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError(message, Code.ResourceExhausted);
    case constants.NGHTTP2_INADEQUATE_SECURITY:
    case constants.NGHTTP2_HTTP_1_1_REQUIRED:
      return new ConnectError(message, Code.PermissionDenied);
    default:
      return new ConnectError(message, Code.Internal);
  }
}

/** Node error codes after which the fleet is unreachable for now, or the connection was cut. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN"]);
const CUT = new Set(["ECONNRESET", "ERR_STREAM_DESTROYED", "ERR_HTTP2_INVALID_STREAM", "ERR_HTTP2_STREAM_CANCEL"]);

/** A ConnectError for a failure of the connection or stream, with the code gRPC clients use. */
export function connectErrorFromNode(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  const seen = new Set<unknown>();
  for (let cause: unknown = error; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && UNREACHABLE.has(code)) return ConnectError.from(error, Code.Unavailable);
    if (code !== undefined && CUT.has(code)) return ConnectError.from(error, Code.Aborted);
  }
  return ConnectError.from(error, Code.Internal);
}
