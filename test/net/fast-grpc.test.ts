import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { compressionGzip, connectNodeAdapter, createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { EnqueueRequestSchema, MatchmakingService, TicketSchema, WatchTicketRequestSchema } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { callerOf } from "../../src/net/caller-context.ts";
import { FastGrpc } from "../../src/net/fast-grpc.ts";
import { withSpecGrpcMessage } from "../../src/net/grpc-message-encoding.ts";
import { serveStreamsFirst } from "../../src/net/streams-first.ts";
import { bearerMetadata, grpcJsMatchmakingClient, unary } from "../support/grpc-js-client.ts";
import { bearerGoodInterceptors } from "../support/bearer-good-auth.ts";
import { connectErrorOf } from "../support/rejection.ts";

const READ_MAX_BYTES = 1024;
const ENQUEUE_PATH = `/${MatchmakingService.typeName}/${MatchmakingService.method.enqueue.name}`;
const WEIRD_MESSAGE = `players[0].user_id: must not be "x" (100% sure, é)`;

/** A service whose behaviour each test picks with the request's queue name. */
function routes(router: ConnectRouter): void {
  router.service(MatchmakingService, {
    listQueues(_request, context) {
      context.responseHeader.set("x-served", "yes");
      context.responseTrailer.set("x-trailer", "done");
      return { queues: [{ name: "duel" }] };
    },
    enqueue(request, context) {
      const caller = callerOf(context);
      switch (request.queue) {
        case "invalid":
          throw new ConnectError(WEIRD_MESSAGE, Code.InvalidArgument);
        case "details":
          throw new ConnectError("already matched", Code.FailedPrecondition, undefined, [
            { desc: TicketSchema, value: { ticketId: "t-1", queue: "duel" } },
          ]);
        case "crash":
          throw new Error("database on fire");
        case "until-cancelled":
          return new Promise((resolve) => {
            context.signal.addEventListener("abort", () => {
              cancellationWaiters.shift()?.(String(context.signal.reason));
              resolve({});
            });
            unaryStarted.shift()?.();
          });
        default:
          return { ticket: { ticketId: `${caller.kind === "service" ? caller.subject : caller.userId}:${request.players[0]?.userId}` } };
      }
    },
    async *watchTicket(request, context) {
      callerOf(context);
      switch (request.ticketId) {
        case "many":
          context.responseHeader.set("x-served", "stream");
          for (let i = 0; i < 3; i++) yield { ticket: { ticketId: `many-${i}` } };
          context.responseTrailer.set("x-trailer", "done");
          return;
        case "fail-midway":
          yield { ticket: { ticketId: "first" } };
          throw new ConnectError(WEIRD_MESSAGE, Code.NotFound);
        case "fail-first":
          throw new ConnectError("no such ticket", Code.NotFound);
        case "forever":
          yield { ticket: { ticketId: "forever" } };
          await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
          cancellationWaiters.shift()?.(String(context.signal.reason));
          return;
        default:
          yield { ticket: { ticketId: request.ticketId } };
      }
    },
  });
}

/** Tests waiting for a "forever" stream to see its client go away; each gets the abort reason. */
const cancellationWaiters: ((reason: string) => void)[] = [];
/** Tests waiting for an "until-cancelled" unary call to reach its implementation. */
const unaryStarted: (() => void)[] = [];

const interceptors = [...bearerGoodInterceptors];

interface TestServer {
  readonly port: number;
  /** Requests the fast path handed to the connect adapter. */
  readonly fallbacks: string[];
  close(): Promise<void>;
}

async function startServer(fast: boolean): Promise<TestServer> {
  const options = { routes, interceptors, readMaxBytes: READ_MAX_BYTES };
  const adapter = withSpecGrpcMessage(connectNodeAdapter({ ...options, interceptors: [...interceptors] }));
  const fallbacks: string[] = [];
  const counted: typeof adapter = (request, response) => {
    fallbacks.push(`${request.headers["content-type"]} ${request.headers[":path"]}`);
    adapter(request, response);
  };
  const fastGrpc = new FastGrpc(options);
  const server = http2.createServer(fast ? counted : adapter);
  if (fast) serveStreamsFirst(server, (stream, headers) => headers.origin === undefined && fastGrpc.serveStream(stream, headers));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    fallbacks,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}

interface RawResponse {
  /** Response headers and trailers together (a trailers-only response has only the former). */
  readonly fields: Record<string, string>;
  readonly body: string;
}

/** One gRPC call with hand-made headers and body, as a client library would never send it. */
function rawCall(port: number, headers: Record<string, string>, body: Buffer, path = ENQUEUE_PATH): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.once("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      authorization: "Bearer good",
      ...headers,
    });
    const fields: Record<string, string> = {};
    const keep = (incoming: http2.IncomingHttpHeaders): void => {
      for (const [name, value] of Object.entries(incoming)) if (value !== undefined) fields[name] = String(value);
    };
    const chunks: Buffer[] = [];
    stream.on("response", keep);
    stream.on("trailers", keep);
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => {
      session.close();
      resolve({ fields, body: Buffer.concat(chunks).toString("hex") });
    });
    stream.end(body);
  });
}

function envelope(message: Uint8Array, flags = 0, declaredLength = message.length): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, message]);
}

/** connect-es over gRPC to the fast server, with a token the test service accepts. */
function authorizedGrpcClient() {
  return createClient(
    MatchmakingService,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${fastServer.port}`,
      interceptors: [(next) => (request) => (request.header.set("authorization", "Bearer good"), next(request))],
    }),
  );
}

const WATCH_PATH = `/${MatchmakingService.typeName}/${MatchmakingService.method.watchTicket.name}`;
const watchBytes = (ticketId: string): Uint8Array => toBinary(WatchTicketRequestSchema, create(WatchTicketRequestSchema, { ticketId }));

const enqueueBytes = (queue: string): Uint8Array =>
  toBinary(EnqueueRequestSchema, create(EnqueueRequestSchema, { queue, players: [{ userId: "alice", skill: 1000 }] }));

let fastServer: TestServer;
let connectServer: TestServer;

beforeAll(async () => {
  fastServer = await startServer(true);
  connectServer = await startServer(false);
});

afterAll(async () => {
  await fastServer.close();
  await connectServer.close();
});

/** The parts of a response a client acts on. */
function outcome(response: RawResponse): Record<string, string | undefined> {
  const { fields } = response;
  return {
    status: fields[":status"],
    contentType: fields["content-type"],
    grpcStatus: fields["grpc-status"],
    grpcMessage: fields["grpc-message"],
    details: fields["grpc-status-details-bin"],
    body: response.body,
  };
}

describe("the fast path answers unary calls exactly as the connect adapter does", () => {
  const cases: [string, Record<string, string>, Buffer][] = [
    ["a successful call", {}, envelope(enqueueBytes("ok"))],
    ["a call with a deadline", { "grpc-timeout": "5S" }, envelope(enqueueBytes("ok"))],
    ["an invalid argument with reserved and non-ASCII characters", {}, envelope(enqueueBytes("invalid"))],
    ["an error with details", {}, envelope(enqueueBytes("details"))],
    ["an unexpected exception", {}, envelope(enqueueBytes("crash"))],
    ["a missing token", { authorization: "" }, envelope(enqueueBytes("ok"))],
    ["a rejected token", { authorization: "Bearer bad" }, envelope(enqueueBytes("ok"))],
    ["an empty body", {}, Buffer.alloc(0)],
    ["a truncated length prefix", {}, Buffer.from([0, 0, 0])],
    ["a message shorter than announced", {}, envelope(enqueueBytes("ok"), 0, 400)],
    ["two messages for a unary method", {}, Buffer.concat([envelope(enqueueBytes("ok")), envelope(enqueueBytes("ok"))])],
    ["trailing bytes after the message", {}, Buffer.concat([envelope(enqueueBytes("ok")), Buffer.from([0, 0])])],
    ["a compressed flag without an encoding", {}, envelope(enqueueBytes("ok"), 1)],
    ["bytes that are not an EnqueueRequest", {}, envelope(Buffer.from([0xff, 0xff, 0xff]))],
    ["a message over readMaxBytes", {}, envelope(Buffer.alloc(READ_MAX_BYTES + 1, 0x0a))],
    ["an invalid grpc-timeout", { "grpc-timeout": "soon" }, envelope(enqueueBytes("ok"))],
  ];
  it.each(cases)("%s", async (_name, headers, body) => {
    const fast = await rawCall(fastServer.port, headers, body);
    const reference = await rawCall(connectServer.port, headers, body);
    expect(outcome(fast)).toEqual(outcome(reference));
    expect(fast.fields[":status"]).toBe("200");
    expect(fastServer.fallbacks).toEqual([]);
  });

  it("passes handler-set headers and trailers through", async () => {
    const headers = { ":path": `/${MatchmakingService.typeName}/${MatchmakingService.method.listQueues.name}`, authorization: "" };
    const body = envelope(new Uint8Array(0));
    const fast = await rawCall(fastServer.port, headers, body);
    const reference = await rawCall(connectServer.port, headers, body);
    expect(fast.fields["x-served"]).toBe("yes");
    expect(fast.fields["x-trailer"]).toBe("done");
    expect([fast.fields["x-served"], fast.fields["x-trailer"], fast.body]).toEqual([
      reference.fields["x-served"],
      reference.fields["x-trailer"],
      reference.body,
    ]);
  });
});

describe("unary calls served from the raw stream", () => {
  it("aborts the implementation's signal when the client cancels", async () => {
    const client = authorizedGrpcClient();
    const cancel = new AbortController();
    const started = new Promise<void>((resolve) => unaryStarted.push(resolve));
    const seen = new Promise<string>((resolve) => cancellationWaiters.push(resolve));
    const call = client.enqueue({ queue: "until-cancelled" }, { signal: cancel.signal });
    await started;
    cancel.abort();
    expect((await connectErrorOf(call)).code).toBe(Code.Canceled);
    expect(await seen).toBe("ConnectError: [canceled] the client cancelled the call");
  });

  it.each([
    ["unary", ENQUEUE_PATH],
    ["server-streaming", WATCH_PATH],
  ])("ends a %s call whose request never ends with DEADLINE_EXCEEDED at its deadline, and then the stream", async (_kind, path) => {
    const session = http2.connect(`http://127.0.0.1:${fastServer.port}`);
    try {
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", authorization: "Bearer good", "grpc-timeout": "200m" });
      const closed = new Promise<void>((resolve) => stream.once("close", resolve));
      const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        stream.on("error", reject);
        stream.on("response", (headers) => {
          if (headers["grpc-status"] !== undefined) resolve(headers);
        });
        stream.on("trailers", resolve);
        // The start of a frame announcing ten bytes, and then nothing.
        stream.write(Buffer.from([0, 0, 0, 0, 10, 0x0a]));
      });
      expect(trailers["grpc-status"]).toBe(String(Code.DeadlineExceeded));
      expect(trailers["grpc-message"]).toBe("the operation timed out");
      // The server resets what the client left open (NO_ERROR) rather than keep the stream.
      stream.resume();
      await closed;
      expect(stream.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      session.destroy();
    }
    expect(fastServer.fallbacks).toEqual([]);
  });

  it("answers a unary call at once once a second message begins, rather than hold it", async () => {
    const session = http2.connect(`http://127.0.0.1:${fastServer.port}`);
    try {
      const stream = session.request({ ":method": "POST", ":path": ENQUEUE_PATH, "content-type": "application/grpc", te: "trailers", authorization: "Bearer good", "grpc-timeout": "20S" });
      stream.on("error", () => {});
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => {
        stream.on("response", (headers) => {
          if (headers["grpc-status"] !== undefined) resolve(headers);
        });
        stream.on("trailers", resolve);
      });
      // A whole first message, then a second envelope's header, then nothing.
      stream.write(Buffer.concat([envelope(enqueueBytes("ok")), Buffer.from([0, 0, 0, 0, 10])]));
      const started = Date.now();
      expect((await trailers)["grpc-status"]).toBe(String(Code.InvalidArgument));
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      session.destroy();
    }
  });

  it("keeps serving after a client resets a call before the end of its request", async () => {
    const session = http2.connect(`http://127.0.0.1:${fastServer.port}`);
    try {
      const stream = session.request({ ":method": "POST", ":path": ENQUEUE_PATH, "content-type": "application/grpc", te: "trailers" });
      stream.on("error", () => {});
      stream.write(Buffer.from([0, 0, 0]));
      await new Promise<void>((resolve) => stream.close(http2.constants.NGHTTP2_CANCEL, resolve));
    } finally {
      session.close();
    }
    const { ticket } = await authorizedGrpcClient().enqueue({ queue: "ok", players: [{ userId: "frank", skill: 1 }] });
    expect(ticket?.ticketId).toBe("backend:frank");
    expect(fastServer.fallbacks).toEqual([]);
  });

  it("sends the same response header fields as the connect adapter", async () => {
    const names = (response: RawResponse): string[] => Object.keys(response.fields).filter((name) => name !== "date").sort();
    const body = envelope(enqueueBytes("ok"));
    const fast = await rawCall(fastServer.port, {}, body);
    const reference = await rawCall(connectServer.port, {}, body);
    expect(names(fast)).toEqual(names(reference));
    expect(fast.fields["date"]).toBeDefined();
  });
});

describe("the fast path answers server-streaming calls exactly as the connect adapter does", () => {
  const cases: [string, Record<string, string>, Buffer][] = [
    ["several messages, handler-set headers and trailers", {}, envelope(watchBytes("many"))],
    ["an error after the first message", {}, envelope(watchBytes("fail-midway"))],
    ["an error before any message", {}, envelope(watchBytes("fail-first"))],
    ["a missing token", { authorization: "" }, envelope(watchBytes("many"))],
    ["an empty body", {}, Buffer.alloc(0)],
    ["two request messages", {}, Buffer.concat([envelope(watchBytes("many")), envelope(watchBytes("many"))])],
    ["a message over readMaxBytes", {}, envelope(Buffer.alloc(READ_MAX_BYTES + 1, 0x0a))],
    ["an invalid grpc-timeout", { "grpc-timeout": "soon" }, envelope(watchBytes("many"))],
  ];
  it("sends every message of a stream", async () => {
    const fast = await rawCall(fastServer.port, {}, envelope(watchBytes("many")), WATCH_PATH);
    expect([fast.fields["grpc-status"], fast.fields["x-served"], fast.fields["x-trailer"]]).toEqual(["0", "stream", "done"]);
    expect(fast.body.match(/6d616e792d/g)).toHaveLength(3);
  });

  it.each(cases)("%s", async (_name, headers, body) => {
    const fast = await rawCall(fastServer.port, headers, body, WATCH_PATH);
    const reference = await rawCall(connectServer.port, headers, body, WATCH_PATH);
    expect({ ...outcome(fast), served: fast.fields["x-served"], trailer: fast.fields["x-trailer"] }).toEqual({
      ...outcome(reference),
      served: reference.fields["x-served"],
      trailer: reference.fields["x-trailer"],
    });
    expect(fast.fields["grpc-status"]).toMatch(/^\d+$/);
    expect(Object.keys(fast.fields).sort()).toEqual(Object.keys(reference.fields).sort());
    expect(fastServer.fallbacks).toEqual([]);
  });

  it("aborts the implementation's signal when the client cancels", async () => {
    const client = authorizedGrpcClient();
    const cancel = new AbortController();
    const seen = new Promise<string>((resolve) => cancellationWaiters.push(resolve));
    const received: (string | undefined)[] = [];
    const stopped = await connectErrorOf(
      (async () => {
        for await (const message of client.watchTicket({ ticketId: "forever" }, { signal: cancel.signal })) {
          received.push(message.ticket?.ticketId);
          cancel.abort();
        }
      })(),
    );
    expect([received, stopped.code]).toEqual([["forever"], Code.Canceled]);
    expect(await seen).toBe("ConnectError: [canceled] the client cancelled the call");
  });

  it("survives a client that resets its stream with an error code, and cancels the call", async () => {
    const seen = new Promise<string>((resolve) => cancellationWaiters.push(resolve));
    const session = http2.connect(`http://127.0.0.1:${fastServer.port}`);
    const stream = session.request({
      ":method": "POST",
      ":path": WATCH_PATH,
      "content-type": "application/grpc",
      te: "trailers",
      authorization: "Bearer good",
    });
    stream.on("error", () => {});
    stream.end(envelope(watchBytes("forever")));
    await new Promise((resolve) => stream.once("data", resolve));
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    expect(await seen).toBe("ConnectError: [canceled] the client cancelled the call");
    session.close();
    const after = await rawCall(fastServer.port, {}, envelope(watchBytes("many")), WATCH_PATH);
    expect(after.fields["grpc-status"]).toBe("0");
  });
});

describe("clients on the fast path", () => {
  it("serves connect-es over gRPC, with errors and their details", async () => {
    const client = authorizedGrpcClient();
    const { ticket } = await client.enqueue({ queue: "ok", players: [{ userId: "bob", skill: 1 }] });
    expect(ticket?.ticketId).toBe("backend:bob");
    const invalid = await connectErrorOf(client.enqueue({ queue: "invalid" }));
    expect([invalid.code, invalid.rawMessage]).toEqual([Code.InvalidArgument, WEIRD_MESSAGE]);
    const detailed = await connectErrorOf(client.enqueue({ queue: "details" }));
    expect(detailed.code).toBe(Code.FailedPrecondition);
    expect(detailed.findDetails(TicketSchema).map((detail) => detail.ticketId)).toEqual(["t-1"]);
    expect(fastServer.fallbacks).toEqual([]);
  });

  it("serves @grpc/grpc-js, which reads the spec-encoded message verbatim", async () => {
    const client = grpcJsMatchmakingClient(fastServer.port);
    try {
      const ok = await unary(client, client.Enqueue, { queue: "ok", players: [{ userId: "carol", skill: 1 }] }, bearerMetadata("good"));
      expect(ok.ticket.ticketId).toBe("backend:carol");
      const failure = await unary(client, client.Enqueue, { queue: "invalid" }, bearerMetadata("good")).catch(
        (error: grpc.ServiceError) => error,
      );
      expect([(failure as grpc.ServiceError).code, (failure as grpc.ServiceError).details]).toEqual([grpc.status.INVALID_ARGUMENT, WEIRD_MESSAGE]);
      const unauthenticated = await unary(client, client.Enqueue, { queue: "ok" }, bearerMetadata(undefined)).catch(
        (error: grpc.ServiceError) => error,
      );
      expect((unauthenticated as grpc.ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
    expect(fastServer.fallbacks).toEqual([]);
  });
});

describe("what the fast path leaves to the connect adapter", () => {
  it("unary calls with an Expect header", async () => {
    const body = envelope(enqueueBytes("ok"));
    const fast = await rawCall(fastServer.port, { expect: "100-continue" }, body);
    const reference = await rawCall(connectServer.port, { expect: "100-continue" }, body);
    expect(outcome(fast)).toEqual(outcome(reference));
    expect(fastServer.fallbacks.splice(0)).toEqual([`application/grpc ${ENQUEUE_PATH}`]);
  });

  const headers = (next: Parameters<Interceptor>[0]) => (request: Parameters<ReturnType<Interceptor>>[0]) => {
    request.header.set("authorization", "Bearer good");
    return next(request);
  };

  it("compressed requests", async () => {
    const client = createClient(
      MatchmakingService,
      createGrpcTransport({
        baseUrl: `http://127.0.0.1:${fastServer.port}`,
        sendCompression: compressionGzip,
        compressMinBytes: 1,
        interceptors: [headers],
      }),
    );
    const { ticket } = await client.enqueue({ queue: "ok", players: [{ userId: "dave", skill: 1 }] });
    expect(ticket?.ticketId).toBe("backend:dave");
    expect(fastServer.fallbacks.splice(0)).toEqual([`application/grpc+proto ${ENQUEUE_PATH}`]);
  });

  it("server-streaming calls from a page (with an Origin), so that the CORS policy sees them", async () => {
    const headers = { origin: "https://play.example.com" };
    const fast = await rawCall(fastServer.port, headers, envelope(watchBytes("many")), WATCH_PATH);
    const reference = await rawCall(connectServer.port, headers, envelope(watchBytes("many")), WATCH_PATH);
    expect(outcome(fast)).toEqual(outcome(reference));
    expect(fastServer.fallbacks.splice(0)).toEqual([`application/grpc ${WATCH_PATH}`]);
  });

  it("server-streaming calls with an Expect header, which the compatibility API answers with 100 Continue", async () => {
    const headers = { expect: "100-continue" };
    const fast = await rawCall(fastServer.port, headers, envelope(watchBytes("many")), WATCH_PATH);
    const reference = await rawCall(connectServer.port, headers, envelope(watchBytes("many")), WATCH_PATH);
    expect(outcome(fast)).toEqual(outcome(reference));
    expect(fastServer.fallbacks.splice(0)).toEqual([`application/grpc ${WATCH_PATH}`]);
  });

  it("the Connect protocol", async () => {
    const connectClient = createClient(
      MatchmakingService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${fastServer.port}`, httpVersion: "2", interceptors: [headers] }),
    );
    const { ticket } = await connectClient.enqueue({ queue: "ok", players: [{ userId: "erin", skill: 1 }] });
    expect(ticket?.ticketId).toBe("backend:erin");
    expect(fastServer.fallbacks.splice(0)).toEqual([`application/proto ${ENQUEUE_PATH}`]);
  });
});
