import http2 from "node:http2";

/**
 * Splits a gRPC response body into messages as chunks arrive (a chunk may hold several messages or
 * part of one).
 */
export class GrpcFrameReader {
  #buffer: Buffer = Buffer.alloc(0);

  /** Adds a chunk; returns the messages it completed. */
  push(chunk: Buffer): Buffer[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const messages: Buffer[] = [];
    while (this.#buffer.length >= 5) {
      const length = this.#buffer.readUInt32BE(1);
      if (this.#buffer.length < 5 + length) break;
      messages.push(this.#buffer.subarray(5, 5 + length));
      this.#buffer = this.#buffer.subarray(5 + length);
    }
    return messages;
  }
}

/** Opens a cleartext HTTP/2 session to a port on the loopback. */
export function connectH2c(port: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.once("connect", () => resolve(session));
    session.once("error", reject);
  });
}
