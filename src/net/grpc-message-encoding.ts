import type http2 from "node:http2";

type Http2Handler = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => void;

/**
 * Re-encodes the `grpc-message` trailer the way the gRPC spec asks: percent-encode only `%` and
 * bytes outside printable ASCII.
 *
 * connect-node encodes it with encodeURIComponent, and @grpc/grpc-js decodes with decodeURI, which
 * leaves reserved characters escaped: a grpc-js backend would read `players%3A ...` instead of
 * `players: ...`. Spec-minimal encoding reads the same in every client.
 */
export function withSpecGrpcMessage(handler: Http2Handler): Http2Handler {
  return (request, response) => {
    const addTrailers = response.addTrailers.bind(response);
    response.addTrailers = (trailers) => {
      const message = trailers["grpc-message"];
      if (typeof message === "string") trailers["grpc-message"] = encodeGrpcMessage(safeDecode(message));
      addTrailers(trailers);
    };
    handler(request, response);
  };
}

/** Percent-encodes `%` and every byte outside 0x20-0x7E of the UTF-8 form. */
export function encodeGrpcMessage(message: string): string {
  let encoded = "";
  for (const byte of Buffer.from(message, "utf8")) {
    encoded +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
