import type { IncomingHttpHeaders } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { GRPC_FRAME_HEADER_BYTES } from "../../shared/grpc-frame.ts";

/**
 * The one message of a unary answer, without its prefix: none, more than one, a truncated one or a
 * compressed one (this client offers no compression) is a protocol error, as in connect's client.
 */
export function singleMessage(body: Buffer, trailer: Headers): Uint8Array {
  if (body.byteLength < GRPC_FRAME_HEADER_BYTES) {
    throw new ConnectError("protocol error: missing output message for unary method", trailer.has("grpc-status") ? Code.Unimplemented : Code.Unknown);
  }
  if (body[0] !== 0) throw new ConnectError("protocol error: a compressed answer, which this client did not offer", Code.Internal);
  const end = GRPC_FRAME_HEADER_BYTES + body.readUInt32BE(1);
  if (body.byteLength > end) throw new ConnectError("protocol error: received extra output message for unary method", Code.Unimplemented);
  if (body.byteLength < end) throw new ConnectError("protocol error: truncated output message for unary method", Code.Internal);
  return body.subarray(GRPC_FRAME_HEADER_BYTES);
}

/**
 * A `grpc-timeout` value for `ms`: at most 8 digits, as the protocol allows, in the finest unit
 * that fits (milliseconds, then seconds, minutes, hours), rounded up.
 */
export function grpcTimeout(ms: number): string {
  const LIMIT = 99_999_999;
  for (const [unit, size] of [["m", 1], ["S", 1_000], ["M", 60_000], ["H", 3_600_000]] as const) {
    const value = Math.ceil(ms / size);
    if (value <= LIMIT) return `${value}${unit}`;
  }
  return `${LIMIT}H`;
}

/** Node's header object as web `Headers`, pseudo-headers left out. */
export function webHeaders(headers: IncomingHttpHeaders): Headers {
  const web = new Headers();
  for (const name in headers) {
    if (name.startsWith(":")) continue;
    const value = headers[name];
    if (Array.isArray(value)) for (const item of value) web.append(name, item);
    else if (value !== undefined) web.set(name, value);
  }
  return web;
}
