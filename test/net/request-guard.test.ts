import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistryServer, type RunningRegistry } from "../../src/registry/registry-server.ts";
import { TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { startServerHarness, type ServerHarness } from "../support/server-harness.ts";

const LIST_QUEUES = "/matchmaking.v1.MatchmakingService/ListQueues";

/** One HTTP/2 request with the given pseudo-headers and headers; resolves with its :status. */
function h2Status(port: number, headers: http2.OutgoingHttpHeaders, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const fail = (error: Error): void => {
      session.destroy();
      reject(error);
    };
    session.on("error", fail);
    const stream = session.request({ ":method": "POST", ...headers });
    let status = 0;
    stream.on("response", (response) => (status = Number(response[":status"])));
    stream.resume();
    stream.on("close", () => {
      session.close();
      resolve(status);
    });
    stream.on("error", fail);
    stream.end(body);
  });
}

/** A gRPC frame of an empty message. */
const EMPTY_FRAME = new Uint8Array(5);

let harness: ServerHarness;
let registry: RunningRegistry;
beforeAll(async () => {
  harness = await startServerHarness();
  registry = await startRegistryServer({ port: 0 });
});
afterAll(async () => {
  await Promise.all([harness.close(), registry.close()]);
});

describe("requests connect-node cannot make a URL of", () => {
  // Each of these reaches connect-node's adapter (no fast path takes it), which threw on the
  // authority from inside Node's request event: the process ended, every in-memory ticket with it.
  it.each([
    ["Connect JSON", { "content-type": "application/json" }, new TextEncoder().encode("{}")],
    ["gRPC-Web", { "content-type": "application/grpc-web+proto" }, EMPTY_FRAME],
    ["compressed gRPC", { "content-type": "application/grpc", "grpc-encoding": "gzip", te: "trailers" }, EMPTY_FRAME],
    ["gRPC from a browser origin", { "content-type": "application/grpc", origin: "https://play.example.com", te: "trailers" }, EMPTY_FRAME],
  ])("answers 400 to %s with an authority that makes no URL, and goes on serving", async (_name, headers, body) => {
    const port = harness.app.servers.grpcPort;
    for (const authority of ["[::1", "localhost:abc"]) {
      expect(await h2Status(port, { ":path": LIST_QUEUES, ":authority": authority, ...headers }, body)).toBe(400);
    }
    const { queues } = await harness.grpcClient().listQueues({});
    expect(queues.length).toBeGreaterThan(0);
  });

  it("answers 400 on the HTTP/1.1 port to a request target that makes no URL", async () => {
    const raw = `POST http://[/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(harness.app.servers.httpPort, "127.0.0.1", () => socket.end(raw));
      const received: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => received.push(chunk));
      socket.on("close", () => resolve(Buffer.concat(received).toString("latin1").split("\r\n")[0] ?? ""));
      socket.on("error", reject);
    });
    expect(statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect((await harness.connectClient().listQueues({})).queues.length).toBeGreaterThan(0);
  });

  it("answers 400 on the reference registry too", async () => {
    const path = "/gameserver.v1.GameServerRegistryService/Allocate";
    expect(await h2Status(registry.port, { ":path": path, ":authority": "[::1", "content-type": "application/json" }, new TextEncoder().encode("{}"))).toBe(400);
    // Still serving: a plain gRPC call gets its HTTP 200 (and its own gRPC status in the trailers).
    expect(await h2Status(registry.port, { ":path": path, ":authority": "localhost", "content-type": "application/grpc", te: "trailers" }, EMPTY_FRAME)).toBe(200);
  });
});

describe("timeouts beyond the longest timer Node honours (24.8 days)", () => {
  type Clients = Pick<ServerHarness, "grpcClient" | "grpcWebClient" | "connectClient">;
  // Node fires such a timer at once: the stream ended with DEADLINE_EXCEEDED as it began. A
  // deadline that far away is none, on every path.
  it.each([
    ["gRPC (the fast path), 2,147,484 s", (clients: Clients) => clients.grpcClient, { "grpc-timeout": "2147484S" }],
    ["gRPC-Web (connect-node's adapter), 99,999,999 h", (clients: Clients) => clients.grpcWebClient, { "grpc-timeout": "99999999H" }],
    ["Connect (the fast path), 2^31 ms", (clients: Clients) => clients.connectClient, { "connect-timeout-ms": "2147483648" }],
  ])("keep a WatchTicket open over %s", async (_name, clientOf, timeout) => {
    const auth = await harness.bearer("service", "game-backend");
    const backend = harness.grpcClient(auth);
    const { ticket } = await backend.enqueue({ queue: "duel", players: [{ userId: `far-deadline-${Object.values(timeout)[0]}`, skill: 1 }], latencyMs: { "eu-west": 30 } });
    const stream = clientOf(harness)({ ...auth, ...timeout }).watchTicket({ ticketId: ticket!.ticketId })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.ticket?.state).toBe(TicketState.QUEUED);
    await backend.cancelTicket({ ticketId: ticket!.ticketId });
    let last: TicketState | undefined;
    for (let result = await stream.next(); result.done !== true; result = await stream.next()) {
      if (result.value.ticket !== undefined) last = result.value.ticket.state;
    }
    expect(last).toBe(TicketState.CANCELLED);
  });
});

describe("streams per HTTP/2 connection", () => {
  it("tells clients they may open at most 1,000 at once (node:http2 would allow 2^32 - 1)", async () => {
    const session = http2.connect(`http://127.0.0.1:${harness.app.servers.grpcPort}`);
    try {
      const settings = await new Promise<http2.Settings>((resolve) => session.once("remoteSettings", resolve));
      expect(settings.maxConcurrentStreams).toBe(1_000);
    } finally {
      session.destroy();
    }
  });
});

describe("streams on connect-node's paths per HTTP/2 connection", () => {
  it("refuses the 101st open at once (REFUSED_STREAM), and takes new ones once others end", async () => {
    const session = http2.connect(`http://127.0.0.1:${harness.app.servers.grpcPort}`);
    session.on("error", () => {});
    try {
      const open = (): http2.ClientHttp2Stream => {
        const stream = session.request({ ":method": "POST", ":path": LIST_QUEUES, "content-type": "application/grpc-web+proto" });
        stream.on("error", () => {});
        stream.resume();
        return stream;
      };
      const closed = (stream: http2.ClientHttp2Stream) => new Promise<number>((resolve) => stream.once("close", () => resolve(stream.rstCode ?? -1)));
      // Headers only: a body that never comes keeps each open.
      const held = Array.from({ length: 100 }, open);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await closed(open())).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
      const first = held[0]!;
      const firstClosed = closed(first);
      first.end(EMPTY_FRAME);
      await firstClosed;
      const next = open();
      next.end(EMPTY_FRAME);
      expect(await closed(next)).toBe(http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      session.destroy();
    }
  });
});
