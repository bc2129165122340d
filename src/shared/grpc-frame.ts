/** Bytes before each gRPC message on the wire: a compression flag and a 4-byte big-endian length. */
export const GRPC_FRAME_HEADER_BYTES = 5;

/**
 * One uncompressed gRPC message on the wire: flags, length, bytes. Shared by the server's fast
 * paths and the fleet clients' unary calls, which both write gRPC straight onto HTTP/2 streams.
 */
export function frame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, GRPC_FRAME_HEADER_BYTES);
  return framed;
}
