import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { describe, expect, it, vi } from "vitest";
import { type SessionSource, UnaryGrpcTransport } from "../../../src/clients/fleet/unary-grpc-transport.ts";
import { AllocateResponseSchema, GameServerRegistryService } from "../../../src/gen/gameserver/v1/registry_pb.js";
import { MatchmakingService } from "../../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { cleanupAfterEach } from "../../support/lifecycle.ts";
import { connectErrorOf } from "../../support/rejection.ts";

const onCleanup = cleanupAfterEach();

/** How the fake fleet answers one call: it is handed the stream and the request's headers. */
type Answer = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;

const OK_HEADERS = { ":status": 200, "content-type": "application/grpc+proto" };

function framed(payload: Uint8Array, compressed = false): Buffer {
  const out = Buffer.alloc(5 + payload.byteLength);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(payload.byteLength, 1);
  out.set(payload, 5);
  return out;
}

const allocated = toBinary(AllocateResponseSchema, create(AllocateResponseSchema, { address: { host: "203.0.113.7", port: 7777 }, serverId: "gs-1" }));

/** A well-formed answer: headers, the message, trailers with status 0. */
const answers: Answer = (stream) => {
  stream.respond({ ...OK_HEADERS, "x-fleet": "local" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-served-by": "node-7" }));
  stream.end(framed(allocated));
};

/** A raw HTTP/2 server answering every stream with `answer`, and a transport and client on it. */
async function fleet(answer: Answer, streaming: Transport = unusedStreaming()) {
  const server = http2.createServer();
  const requests: http2.IncomingHttpHeaders[] = [];
  const closed: (number | undefined)[] = [];
  server.on("stream", (stream, headers) => {
    requests.push(headers);
    stream.on("close", () => closed.push(stream.rstCode));
    stream.on("error", () => {});
    stream.resume();
    answer(stream, headers);
  });
  const { url, sessionManager } = await connectedTo(server);
  const transport = new UnaryGrpcTransport({ baseUrl: url, sessionManager, streaming });
  return { client: createClient(GameServerRegistryService, transport), requests, closed };
}

/** `server` listening on a free port and a session manager for it, both closed after the test. */
async function connectedTo(server: http2.Http2Server): Promise<{ url: URL; sessionManager: Http2SessionManager }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const sessionManager = new Http2SessionManager(url);
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        sessionManager.abort();
        server.close(() => resolve());
      }),
  );
  return { url, sessionManager };
}

function unusedStreaming(): Transport {
  const fail = (): never => {
    throw new Error("no streaming call expected");
  };
  return { unary: fail, stream: fail };
}

const request = { matchId: "m-1", queue: "duel", region: "eu-west", playerCount: 2 };

describe("UnaryGrpcTransport", () => {
  it("sends one gRPC message and hands back the answer with its headers and trailers", async () => {
    const { client, requests } = await fleet(answers);
    const seen: { header?: Headers; trailer?: Headers } = {};
    const response = await client.allocate(request, {
      timeoutMs: 2_500,
      headers: { "x-matchmaker": "a" },
      onHeader: (header) => (seen.header = header),
      onTrailer: (trailer) => (seen.trailer = trailer),
    });
    expect(response).toMatchObject({ address: { host: "203.0.113.7", port: 7777 }, serverId: "gs-1" });
    expect(requests[0]).toMatchObject({
      ":method": "POST",
      ":path": "/gameserver.v1.GameServerRegistryService/Allocate",
      "content-type": "application/grpc+proto",
      te: "trailers",
      "grpc-timeout": "2500m",
      "user-agent": "matchmaker-fleet-client",
      "x-matchmaker": "a",
    });
    expect(seen.header?.get("x-fleet")).toBe("local");
    expect(seen.trailer?.get("x-served-by")).toBe("node-7");
  });

  it("reports a status sent in the headers alone (trailers-only) with its code and decoded message", async () => {
    const { client } = await fleet((stream) => stream.respond({ ...OK_HEADERS, "grpc-status": "5", "grpc-message": "no%20such%20fleet" }, { endStream: true }));
    const error = await connectErrorOf(client.allocate(request));
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe("no such fleet");
  });

  it("reports an error status in the trailers, and a status outside gRPC's codes as connect does", async () => {
    const withStatus = (status: string): Answer => (stream) => {
      stream.respond(OK_HEADERS, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": status, "grpc-message": "busy" }));
      stream.end();
    };
    expect((await connectErrorOf((await fleet(withStatus("8"))).client.allocate(request))).code).toBe(Code.ResourceExhausted);
    const raw = await connectErrorOf((await fleet(withStatus("422"))).client.allocate(request));
    expect(raw.message).toContain("invalid grpc-status: 422");
  });

  it("refuses answers that break the protocol", async () => {
    const cases: [Answer, Code, string][] = [
      [
        (stream) => {
          stream.respond({ ":status": 503 });
          stream.end();
        },
        Code.Unavailable,
        "HTTP 503",
      ],
      [
        (stream) => {
          stream.respond({ ":status": 200, "content-type": "text/html" });
          stream.end("<html>");
        },
        Code.Unknown,
        "unsupported content type",
      ],
      [
        (stream) => {
          stream.respond(OK_HEADERS, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(Buffer.concat([framed(allocated), framed(allocated)]));
        },
        Code.Unimplemented,
        "extra output message",
      ],
      [
        (stream) => {
          stream.respond(OK_HEADERS, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end();
        },
        Code.Unimplemented,
        "missing output message",
      ],
      [
        (stream) => {
          stream.respond(OK_HEADERS, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(framed(allocated, true));
        },
        Code.Internal,
        "compressed",
      ],
      [
        (stream) => {
          stream.respond(OK_HEADERS);
          stream.end(framed(allocated));
        },
        Code.Internal,
        "missing status",
      ],
      [
        (stream) => {
          stream.respond(OK_HEADERS, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(framed(new Uint8Array(4 * 1024 * 1024 + 1)));
        },
        Code.ResourceExhausted,
        "larger than",
      ],
    ];
    for (const [answer, code, message] of cases) {
      const error = await connectErrorOf((await fleet(answer)).client.allocate(request));
      expect([Code[error.code], error.message]).toEqual([Code[code], expect.stringContaining(message)]);
    }
  });

  it("maps a stream reset before any answer to the code gRPC clients use", async () => {
    for (const [rstCode, code] of [
      [http2.constants.NGHTTP2_REFUSED_STREAM, Code.Unavailable],
      [http2.constants.NGHTTP2_CANCEL, Code.Canceled],
      [http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, Code.ResourceExhausted],
      [http2.constants.NGHTTP2_INTERNAL_ERROR, Code.Internal],
    ] as const) {
      const error = await connectErrorOf((await fleet((stream) => stream.close(rstCode))).client.allocate(request));
      expect(Code[error.code]).toBe(Code[code]);
    }
  });

  it("ends a call the fleet leaves unanswered at its deadline, cancelling the stream", async () => {
    const { client, closed } = await fleet(() => {});
    const error = await connectErrorOf(client.allocate(request, { timeoutMs: 50 }));
    expect(error.code).toBe(Code.DeadlineExceeded);
    await vi.waitFor(() => expect(closed).toEqual([http2.constants.NGHTTP2_CANCEL]));
  });

  it("ends a call its caller aborts, cancelling the stream, and starts none when already aborted", async () => {
    const { client, closed, requests } = await fleet(() => {});
    const controller = new AbortController();
    const call = client.allocate(request, { signal: controller.signal });
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    controller.abort(new Error("shutting down"));
    expect((await connectErrorOf(call)).code).toBe(Code.Canceled);
    await vi.waitFor(() => expect(closed).toEqual([http2.constants.NGHTTP2_CANCEL]));

    expect((await connectErrorOf(client.allocate(request, { signal: controller.signal }))).code).toBe(Code.Canceled);
    expect(requests).toHaveLength(1);
  });

  it("reports an unreachable fleet as UNAVAILABLE", async () => {
    const server = http2.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const sessionManager = new Http2SessionManager(url);
    onCleanup(() => sessionManager.abort());
    const client = createClient(GameServerRegistryService, new UnaryGrpcTransport({ baseUrl: url, sessionManager, streaming: unusedStreaming() }));
    expect((await connectErrorOf(client.allocate(request, { timeoutMs: 2_000 }))).code).toBe(Code.Unavailable);
  });

  it("leaves streaming calls to the transport it is given", async () => {
    const handed: string[] = [];
    const streaming: Transport = {
      unary: unusedStreaming().unary,
      stream: (method) => {
        handed.push(method.name);
        return Promise.reject(new ConnectError("streaming", Code.Unimplemented));
      },
    };
    const url = new URL("http://127.0.0.1:1");
    const sessionManager = new Http2SessionManager(url);
    onCleanup(() => sessionManager.abort());
    const transport = new UnaryGrpcTransport({ baseUrl: url, sessionManager, streaming });
    const input = (async function* () {})();
    await expect(transport.stream(MatchmakingService.method.watchTicket, undefined, 100, undefined, input)).rejects.toThrow("streaming");
    expect(handed).toEqual(["WatchTicket"]);
  });

  it("reports a connection cut mid-call as ABORTED, which the fleet clients retry, not by the code Node gives the stream", async () => {
    const beforeAnswer = await fleet((stream) => stream.session?.socket.resetAndDestroy());
    expect((await connectErrorOf(beforeAnswer.client.allocate(request))).code).toBe(Code.Aborted);
    const afterHeaders = await fleet((stream) => {
      stream.respond(OK_HEADERS);
      stream.session?.socket.resetAndDestroy();
    });
    expect((await connectErrorOf(afterHeaders.client.allocate(request))).code).toBe(Code.Aborted);
  });

  it("reports an answer that is not the method's message as INTERNAL", async () => {
    const { client } = await fleet((stream) => {
      stream.respond(OK_HEADERS, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(framed(Uint8Array.of(0xff)));
    });
    const error = await connectErrorOf(client.allocate(request));
    expect([Code[error.code], error.rawMessage]).toEqual([Code[Code.Internal], expect.stringMatching(/^parse binary: /)]);
  });

  it("waits for the fleet under a deadline too long for a timer, sending it in a coarser unit", async () => {
    const { client, requests } = await fleet((stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM));
    expect((await connectErrorOf(client.allocate(request, { timeoutMs: 3_000_000_000 }))).code).toBe(Code.Unavailable);
    expect(requests[0]!["grpc-timeout"]).toBe("3000000S");
  });

  it("hears the errors of a stream it is handed after the call ended, so they cannot end the process", async () => {
    const server = http2.createServer();
    server.on("stream", (stream) => stream.on("error", () => {}));
    const { url, sessionManager } = await connectedTo(server);
    // The connection comes up only once the caller has given up; its socket then fails at once.
    let handOver!: () => void;
    const ready = new Promise<void>((resolve) => (handOver = resolve));
    let late: http2.ClientHttp2Stream | undefined;
    const slow: SessionSource = {
      request: async (...args) => {
        await ready;
        late = await sessionManager.request(...args);
        process.nextTick(() => late!.destroy(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })));
        return late;
      },
      notifyResponseByteRead: (stream) => sessionManager.notifyResponseByteRead(stream),
    };
    const client = createClient(GameServerRegistryService, new UnaryGrpcTransport({ baseUrl: url, sessionManager: slow, streaming: unusedStreaming() }));
    const uncaught: unknown[] = [];
    const record = (error: unknown): void => void uncaught.push(error);
    process.on("uncaughtException", record);
    try {
      const controller = new AbortController();
      const call = client.allocate(request, { signal: controller.signal });
      controller.abort();
      expect((await connectErrorOf(call)).code).toBe(Code.Canceled);
      handOver();
      await vi.waitFor(() => expect(late?.closed).toBe(true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", record);
    }
  });
});
