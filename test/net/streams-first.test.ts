import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serveStreamsFirst } from "../../src/net/streams-first.ts";

let server: http2.Http2Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** A server whose raw-stream taker answers `/raw` and whose request handler answers the rest. */
async function start(): Promise<number> {
  server = http2.createServer((request, response) => {
    response.writeHead(200, { "x-served-by": "request handler" });
    response.end(`${request.method} ${request.url}`);
  });
  serveStreamsFirst(server, (stream, headers) => {
    if (headers[":path"] !== "/raw") return false;
    stream.respond({ ":status": 200, "x-served-by": "stream" });
    stream.end("raw");
    return true;
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server!.address() as AddressInfo).port;
}

function get(port: number, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; servedBy: unknown; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.once("error", reject);
    const stream = session.request(headers);
    let status = 0;
    let servedBy: unknown;
    let body = "";
    stream.on("response", (response) => {
      status = Number(response[":status"]);
      servedBy = response["x-served-by"];
    });
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("close", () => {
      session.close();
      resolve({ status, servedBy, body });
    });
    stream.end();
  });
}

describe("serveStreamsFirst", () => {
  it("serves the streams it takes raw and leaves the others to the request handler", async () => {
    const port = await start();
    expect(await get(port, { ":path": "/raw" })).toEqual({ status: 200, servedBy: "stream", body: "raw" });
    expect(await get(port, { ":path": "/other" })).toEqual({ status: 200, servedBy: "request handler", body: "GET /other" });
  });

  it("keeps node's own handling of declined streams (Expect)", async () => {
    const port = await start();
    expect((await get(port, { ":path": "/other", expect: "something-else" })).status).toBe(417);
  });

  it("refuses a server without a request handler, whose streams nothing would answer", () => {
    server = http2.createServer();
    expect(() => serveStreamsFirst(server!, () => false)).toThrow(/one "stream" listener, found 0/);
  });
});
