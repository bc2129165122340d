import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createConnectTransport } from "@connectrpc/connect-web";
import { EnqueueRequestSchema, MatchmakingService, TicketSchema, WatchTicketRequestSchema } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { callerOf } from "../../src/net/caller-context.ts";
import { withFastConnect } from "../../src/net/fast-connect.ts";
import { bearerGoodInterceptors } from "../support/bearer-good-auth.ts";

const READ_MAX_BYTES = 1024;
const ENQUEUE_PATH = `/${MatchmakingService.typeName}/${MatchmakingService.method.enqueue.name}`;
const LIST_QUEUES_PATH = `/${MatchmakingService.typeName}/${MatchmakingService.method.listQueues.name}`;
const WATCH_PATH = `/${MatchmakingService.typeName}/${MatchmakingService.method.watchTicket.name}`;
const WEIRD_MESSAGE = `players[0].user_id: must not be "x" (100% sure, é)`;

/** Handlers waiting for their call to end (shutdown, client gone), by queue name; each gets its abort reason. */
const entered = new Map<string, (() => void)[]>();
const abortReasons: string[] = [];

function untilEntered(queue: string): Promise<void> {
  return new Promise((resolve) => entered.set(queue, [...(entered.get(queue) ?? []), resolve]));
}

/** Resolves with the signal's reason once it aborts. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

/** A service whose behaviour each test picks with the request's queue name. */
function routes(router: ConnectRouter): void {
  router.service(MatchmakingService, {
    listQueues(_request, context) {
      context.responseHeader.set("x-served", "yes");
      context.responseHeader.append("set-cookie", "a=1");
      context.responseHeader.append("set-cookie", "b=2");
      context.responseTrailer.set("x-trailer", "done");
      context.responseTrailer.append("x-trailer", "twice");
      return { queues: [{ name: "duel" }] };
    },
    async enqueue(request, context) {
      const caller = callerOf(context);
      entered.get(request.queue)?.shift()?.();
      switch (request.queue) {
        case "invalid":
          throw new ConnectError(WEIRD_MESSAGE, Code.InvalidArgument);
        case "details":
          throw new ConnectError("already matched", Code.FailedPrecondition, undefined, [
            { desc: TicketSchema, value: { ticketId: "t-1", queue: "duel" } },
          ]);
        case "metadata":
          throw new ConnectError("slow down", Code.ResourceExhausted, { "retry-after": "3", "x-why": "because", "content-type": "text/evil" });
        case "crash":
          throw new Error("database on fire");
        case "deadline":
          context.signal.throwIfAborted();
          return { ticket: { ticketId: `deadline set: ${context.timeoutMs() !== undefined}` } };
        case "big":
          return { ticket: { ticketId: "x".repeat(2 * READ_MAX_BYTES) } };
        case "shutdown":
          throw ConnectError.from(await aborted(context.signal));
        case "forever":
          abortReasons.push(String(await aborted(context.signal)));
          throw new ConnectError("gone", Code.Canceled);
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
          throw new ConnectError(WEIRD_MESSAGE, Code.NotFound, { "x-why": "gone" });
        case "fail-first":
          throw new ConnectError("no such ticket", Code.NotFound);
        case "crash":
          yield { ticket: { ticketId: "first" } };
          throw new Error("database on fire");
        case "forever":
          yield { ticket: { ticketId: "forever" } };
          abortReasons.push(String(await aborted(context.signal)));
          return;
        default:
          yield { ticket: { ticketId: request.ticketId } };
      }
    },
  });
}

const interceptors = [...bearerGoodInterceptors];

interface TestServer {
  readonly port: number;
  /** Requests the fast path handed to the connect adapter. */
  readonly fallbacks: string[];
  /** Drains the server: the adapter's (and fast path's) shutdown signal. */
  readonly shutdown: AbortController;
  close(): Promise<void>;
}

async function startServer(fast: boolean): Promise<TestServer> {
  const shutdown = new AbortController();
  const options = { routes, interceptors, readMaxBytes: READ_MAX_BYTES, shutdownSignal: shutdown.signal };
  const adapter = connectNodeAdapter({ ...options, interceptors: [...interceptors] });
  const fallbacks: string[] = [];
  const counted: typeof adapter = (request, response) => {
    fallbacks.push(`${request.method} ${request.headers["content-type"]} ${request.url}`);
    adapter(request, response);
  };
  const server = http.createServer(fast ? withFastConnect(options, counted) : adapter);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    fallbacks,
    shutdown,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Exchange {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** One buffer is sent with its Content-Length; several are sent chunked, without one. */
  readonly body: Buffer | Buffer[];
}

/** What a client sees: status line, every header but Date, in order, and the body; or how the connection failed. */
type Outcome = { readonly status: string; readonly headers: string[]; readonly body: string } | { readonly failed: string };

function exchange(port: number, { method = "POST", path = ENQUEUE_PATH, headers = {}, body }: Exchange, agent?: http.Agent): Promise<Outcome> {
  const chunks = Array.isArray(body) ? body : [body];
  return new Promise((resolve) => {
    const request = http.request({
      host: "127.0.0.1",
      port,
      method,
      path,
      agent: agent ?? false,
      headers: {
        "content-type": "application/json",
        "connect-protocol-version": "1",
        authorization: "Bearer good",
        ...(!Array.isArray(body) && { "content-length": String(body.length) }),
        ...headers,
      },
    });
    request.on("response", (response) => {
      const received: Buffer[] = [];
      response.on("data", (chunk: Buffer) => received.push(chunk));
      response.on("end", () => {
        const raw = response.rawHeaders;
        const headerLines: string[] = [];
        for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() !== "date") headerLines.push(`${raw[i]}: ${raw[i + 1]}`);
        resolve({ status: `${response.statusCode} ${response.statusMessage}`, headers: headerLines, body: Buffer.concat(received).toString("hex") });
      });
    });
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ failed: error.code ?? error.message }));
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const enqueueJson = (queue: string): Buffer => json({ queue, players: [{ userId: "alice", skill: 1000 }] });
const enqueueProto = (queue: string): Buffer =>
  Buffer.from(toBinary(EnqueueRequestSchema, create(EnqueueRequestSchema, { queue, players: [{ userId: "alice", skill: 1000 }] })));
const STREAM_JSON = { "content-type": "application/connect+json" };
const STREAM_PROTO = { "content-type": "application/connect+proto" };

/** A Connect envelope: flags, 4-byte length (the real one unless given), data. */
function envelope(data: Uint8Array | string, flags = 0, declaredLength?: number): Buffer {
  const bytes = Buffer.from(data);
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(declaredLength ?? bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

const watchJson = (ticketId: string): Buffer => envelope(JSON.stringify({ ticketId }));
const watchProto = (ticketId: string): Buffer => envelope(toBinary(WatchTicketRequestSchema, create(WatchTicketRequestSchema, { ticketId })));

/** A chunked body of `count` KiB of spaces. */
const manyKiB = (count: number): Buffer[] => Array.from({ length: count }, () => Buffer.alloc(1024, 0x20));
const PROTO = { "content-type": "application/proto" };

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

/**
 * Sends a call to the fast server, closes the connection once `started` says the handler runs, and
 * returns the abort reasons the handler saw.
 */
async function abortReasonWhenClientLeaves(
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  started: (request: http.ClientRequest) => Promise<void>,
): Promise<string[]> {
  abortReasons.length = 0;
  const request = http.request({
    host: "127.0.0.1",
    port: fastServer.port,
    method: "POST",
    path,
    agent: false,
    headers: { "content-type": "application/json", authorization: "Bearer good", ...headers },
  });
  request.on("error", () => {});
  const running = started(request);
  request.end(body);
  await running;
  const reasonSeen = new Promise<void>((resolve) => {
    const poll = (): void => (abortReasons.length > 0 ? resolve() : void setImmediate(poll));
    poll();
  });
  request.destroy();
  await reasonSeen;
  return abortReasons;
}

/** connect-web's Connect transport (fetch, as in a browser) to the fast server, with a token it accepts. */
function connectWebClient(useBinaryFormat: boolean) {
  return createClient(
    MatchmakingService,
    createConnectTransport({
      baseUrl: `http://127.0.0.1:${fastServer.port}`,
      useBinaryFormat,
      interceptors: [(next) => (request) => (request.header.set("authorization", "Bearer good"), next(request))],
    }),
  );
}

/** Sends the same request to both servers, one after the other, and returns both outcomes. */
async function bothWays(request: Exchange): Promise<{ fast: Outcome; reference: Outcome }> {
  fastServer.fallbacks.length = 0;
  const fast = await exchange(fastServer.port, request);
  const reference = await exchange(connectServer.port, request);
  return { fast, reference };
}

describe("withFastConnect answers unary Connect calls exactly as the connect adapter does", () => {
  const cases: [string, Exchange][] = [
    ["a successful JSON call", { body: enqueueJson("ok") }],
    ["a successful binary call", { headers: PROTO, body: enqueueProto("ok") }],
    ["handler-set headers, repeated cookies and trailers", { path: LIST_QUEUES_PATH, headers: { authorization: "" }, body: json({}) }],
    ["the same in binary", { path: LIST_QUEUES_PATH, headers: { ...PROTO, authorization: "" }, body: Buffer.alloc(0) }],
    ["an invalid argument with reserved and non-ASCII characters", { body: enqueueJson("invalid") }],
    ["an error with details", { body: enqueueJson("details") }],
    ["an error with details, binary request", { headers: PROTO, body: enqueueProto("details") }],
    ["an error with metadata, protocol headers among it", { body: enqueueJson("metadata") }],
    ["an unexpected exception", { body: enqueueJson("crash") }],
    ["a missing token", { headers: { authorization: "" }, body: enqueueJson("ok") }],
    ["a rejected token", { headers: { authorization: "Bearer bad" }, body: enqueueJson("ok") }],
    ["malformed JSON", { body: Buffer.from('{"queue": "ok", "players": [') }],
    ["JSON that is not an object", { body: json([1, 2]) }],
    ["an unknown JSON field (ignored)", { body: json({ queue: "ok", players: [{ userId: "bob" }], shoeSize: 44 }) }],
    ["a JSON field of the wrong type", { body: json({ queue: 7 }) }],
    ["a repeated JSON field", { body: Buffer.from('{"queue": "ok", "queue": "ok"}') }],
    ["the proto field name in JSON", { body: json({ queue: "ok", players: [{ user_id: "carol" }] }) }],
    ["an invalid enum-like string for a number", { body: json({ queue: "ok", players: [{ userId: "d", skill: "lots" }] }) }],
    ["bytes that are not UTF-8", { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }],
    ["an empty JSON body", { body: Buffer.alloc(0) }],
    ["an empty binary body", { headers: PROTO, body: Buffer.alloc(0) }],
    ["bytes that are not an EnqueueRequest", { headers: PROTO, body: Buffer.from([0xff, 0xff, 0xff]) }],
    ["a body of exactly readMaxBytes", { body: Buffer.concat([Buffer.from('{"queue":"ok"'), Buffer.alloc(READ_MAX_BYTES - 14, 0x20), Buffer.from("}")]) }],
    ["a declared body over readMaxBytes", { body: Buffer.alloc(READ_MAX_BYTES + 1, 0x20) }],
    ["a declared binary body over readMaxBytes", { headers: PROTO, body: Buffer.alloc(READ_MAX_BYTES + 1, 0x0a) }],
    ["a chunked body within readMaxBytes", { body: [Buffer.from('{"queue":'), Buffer.from('"ok","players":[{"userId":"eve"}]}')] }],
    ["a chunked body over readMaxBytes", { body: [Buffer.alloc(READ_MAX_BYTES, 0x20), Buffer.alloc(10, 0x20)] }],
    ["a long chunked body over readMaxBytes", { body: manyKiB(64) }],
    ["a deadline", { headers: { "connect-timeout-ms": "5000" }, body: enqueueJson("deadline") }],
    ["a deadline already passed", { headers: { "connect-timeout-ms": "0" }, body: enqueueJson("deadline") }],
    ["no deadline", { body: enqueueJson("deadline") }],
    ["a timeout that is not a number", { headers: { "connect-timeout-ms": "soon" }, body: enqueueJson("ok") }],
    ["a timeout of eleven digits", { headers: { "connect-timeout-ms": "12345678901" }, body: enqueueJson("ok") }],
    ["a negative timeout", { headers: { "connect-timeout-ms": "-5" }, body: enqueueJson("ok") }],
    ["no connect-protocol-version", { headers: { "connect-protocol-version": "" }, body: enqueueJson("ok") }],
    ["an unknown connect-protocol-version", { headers: { "connect-protocol-version": "2" }, body: enqueueJson("ok") }],
    ["an identity content-encoding", { headers: { "content-encoding": "identity" }, body: enqueueJson("ok") }],
    ["a large response to a client accepting gzip", { headers: { "accept-encoding": "gzip, deflate, br, zstd" }, body: enqueueJson("big") }],
    ["a large response to a client accepting brotli first", { headers: { "accept-encoding": "br, gzip" }, body: enqueueJson("big") }],
    ["a large response to a client accepting nothing known", { headers: { "accept-encoding": "zstd" }, body: enqueueJson("big") }],
    ["a large error to a client accepting gzip", { headers: { "accept-encoding": "gzip" }, body: Buffer.from(`{"queue": ${"[".repeat(600)}`) }],
    ["a small response to a client accepting gzip", { headers: { "accept-encoding": "gzip" }, body: enqueueJson("ok") }],
    ["a query string", { path: `${ENQUEUE_PATH}?x=1`, body: enqueueJson("ok") }],
  ];
  it.each(cases)("%s", async (_name, request) => {
    const { fast, reference } = await bothWays(request);
    expect(fast).toEqual(reference);
    expect(fastServer.fallbacks).toEqual(request.path?.includes("?") === true ? [`POST application/json ${ENQUEUE_PATH}?x=1`] : []);
  });

  it("gives the response of a declared-oversize body and keeps the connection for the next request", async () => {
    const outcomes = async (port: number): Promise<Outcome[]> => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        return [
          await exchange(port, { body: Buffer.alloc(4 * READ_MAX_BYTES, 0x20) }, agent),
          await exchange(port, { body: enqueueJson("ok") }, agent),
        ];
      } finally {
        agent.destroy();
      }
    };
    const fast = await outcomes(fastServer.port);
    expect(fast).toEqual(await outcomes(connectServer.port));
    expect(fast.map((outcome) => ("status" in outcome ? outcome.status : outcome.failed))).toEqual(["429 Too Many Requests", "200 OK"]);
  });

  it("discards the rest of an undeclared oversize body and keeps the connection (connect-node lets it stall)", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const referenceAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const oversize = await exchange(fastServer.port, { body: manyKiB(64) }, agent);
      expect(oversize).toEqual(await exchange(connectServer.port, { body: manyKiB(64) }, referenceAgent));
      expect("status" in oversize && oversize.status).toBe("429 Too Many Requests");
      const next = await exchange(fastServer.port, { body: enqueueJson("ok") }, agent);
      expect("status" in next && next.status).toBe("200 OK");
    } finally {
      agent.destroy();
      referenceAgent.destroy();
    }
  });

  it("answers DEADLINE_EXCEEDED at the deadline when the body never ends (a stalled or hostile client)", async () => {
    const outcome = await new Promise<string>((resolve, reject) => {
      const request = http.request({
        host: "127.0.0.1",
        port: fastServer.port,
        method: "POST",
        path: ENQUEUE_PATH,
        agent: false,
        headers: { "content-type": "application/json", "connect-timeout-ms": "200", "content-length": "100" },
      });
      request.on("response", (response) => {
        const received: Buffer[] = [];
        response.on("data", (chunk: Buffer) => received.push(chunk));
        response.on("end", () => resolve(`${response.statusCode} ${response.headers.connection} ${Buffer.concat(received).toString()}`));
      });
      request.on("error", reject);
      request.write("{");
    });
    // The rest of the body would come on the same connection: the answer closes it.
    expect(outcome).toBe('504 close {"code":"deadline_exceeded","message":"the operation timed out"}');
  });

  it("aborts open calls with the shutdown signal's reason, and calls started after it at once", async () => {
    const drain = async (server: TestServer): Promise<Outcome[]> => {
      const handlerEntered = untilEntered("shutdown");
      const open = exchange(server.port, { body: enqueueJson("shutdown") });
      await handlerEntered;
      server.shutdown.abort(new ConnectError("server shutting down", Code.Unavailable));
      return [await open, await exchange(server.port, { body: enqueueJson("shutdown") })];
    };
    const [fast, reference] = [await startServer(true), await startServer(false)];
    try {
      const outcomes = await drain(fast);
      expect(outcomes).toEqual(await drain(reference));
      expect(outcomes.map((outcome) => ("status" in outcome ? outcome.status : outcome.failed))).toEqual([
        "503 Service Unavailable",
        "503 Service Unavailable",
      ]);
      expect(fast.fallbacks).toEqual([]);
    } finally {
      await fast.close();
      await reference.close();
    }
  });

  it("aborts the implementation's signal when the client goes away", async () => {
    const handlerEntered = untilEntered("forever");
    expect(await abortReasonWhenClientLeaves(ENQUEUE_PATH, {}, enqueueJson("forever"), () => handlerEntered)).toEqual([
      "ConnectError: [canceled] the client cancelled the call",
    ]);
  });

  it("serves connect-web (fetch) over the Connect protocol, JSON and binary, with errors and their details", async () => {
    for (const useBinaryFormat of [false, true]) {
      fastServer.fallbacks.length = 0;
      const client = connectWebClient(useBinaryFormat);
      const { ticket } = await client.enqueue({ queue: "ok", players: [{ userId: "bob", skill: 1 }] });
      expect(ticket?.ticketId).toBe("backend:bob");
      const invalid = await client.enqueue({ queue: "invalid" }).catch((error: unknown) => ConnectError.from(error));
      expect([invalid instanceof ConnectError && invalid.code, invalid instanceof ConnectError && invalid.rawMessage]).toEqual([
        Code.InvalidArgument,
        WEIRD_MESSAGE,
      ]);
      const detailed = ConnectError.from(await client.enqueue({ queue: "details" }).catch((error: unknown) => error));
      expect(detailed.findDetails(TicketSchema).map((detail) => detail.ticketId)).toEqual(["t-1"]);
      expect(fastServer.fallbacks).toEqual([]);
    }
  });
});

describe("withFastConnect answers server-streaming Connect calls exactly as the connect adapter does", () => {
  const watch = (headers: Record<string, string>, body: Buffer | Buffer[]): Exchange => ({ path: WATCH_PATH, headers: { ...STREAM_JSON, ...headers }, body });
  const cases: [string, Exchange][] = [
    ["several messages, handler-set headers and trailers", watch({}, watchJson("many"))],
    ["the same in binary", watch(STREAM_PROTO, watchProto("many"))],
    ["an error with metadata after the first message", watch({}, watchJson("fail-midway"))],
    ["an error before any message", watch({}, watchJson("fail-first"))],
    ["an unexpected exception after the first message", watch({}, watchJson("crash"))],
    ["a missing token", watch({ authorization: "" }, watchJson("many"))],
    ["a missing token and an invalid timeout", watch({ authorization: "", "connect-timeout-ms": "soon" }, watchJson("many"))],
    ["an invalid timeout", watch({ "connect-timeout-ms": "soon" }, watchJson("many"))],
    ["a deadline", watch({ "connect-timeout-ms": "5000" }, watchJson("many"))],
    ["an empty body", watch({}, Buffer.alloc(0))],
    ["two request messages", watch({}, Buffer.concat([watchJson("a"), watchJson("b")]))],
    ["a request message in two chunks", watch({}, [watchJson("split").subarray(0, 3), watchJson("split").subarray(3)])],
    ["an end-stream envelope from the client", watch({}, envelope("{}", 0b10))],
    ["a message, then an end-stream envelope", watch({}, Buffer.concat([watchJson("a"), envelope("{}", 0b10)]))],
    ["a truncated envelope", watch({}, watchJson("many").subarray(0, 8))],
    ["a truncated envelope header", watch({}, Buffer.from([0, 0, 0]))],
    ["an envelope over readMaxBytes", watch({}, envelope("x", 0, READ_MAX_BYTES + 1))],
    ["a second envelope over readMaxBytes", watch({}, Buffer.concat([watchJson("a"), envelope("x", 0, READ_MAX_BYTES + 1)]))],
    ["a compressed flag without an encoding", watch({}, envelope(JSON.stringify({ ticketId: "many" }), 0b1))],
    ["malformed JSON in the envelope", watch({}, envelope('{"ticketId": '))],
    ["bytes that are not a WatchTicketRequest", watch(STREAM_PROTO, envelope(Buffer.from([0xff, 0xff])))],
    ["a client accepting an unknown compression", watch({ "connect-accept-encoding": "zstd" }, watchJson("many"))],
    ["a client accepting identity", watch({ "connect-content-encoding": "identity" }, watchJson("many"))],
  ];
  it.each(cases)("%s", async (_name, request) => {
    const { fast, reference } = await bothWays(request);
    expect(fast).toEqual(reference);
    expect("status" in fast && fast.status).toBe("200 OK");
    expect(fastServer.fallbacks).toEqual([]);
  });

  it("aborts the implementation's signal when the client goes away", async () => {
    const firstMessage = (request: http.ClientRequest): Promise<void> =>
      new Promise((resolve) => request.once("response", (response: http.IncomingMessage) => response.once("data", () => resolve())));
    const reasons = await abortReasonWhenClientLeaves(WATCH_PATH, STREAM_JSON, watchJson("forever"), firstMessage);
    expect(reasons).toEqual(["ConnectError: [canceled] the client cancelled the call"]);
  });

  it("serves connect-web (fetch) streams, JSON and binary, to the end and to an error", async () => {
    for (const useBinaryFormat of [false, true]) {
      fastServer.fallbacks.length = 0;
      const client = connectWebClient(useBinaryFormat);
      const ids: string[] = [];
      for await (const message of client.watchTicket({ ticketId: "many" })) ids.push(message.ticket?.ticketId ?? "");
      expect(ids).toEqual(["many-0", "many-1", "many-2"]);
      const failed = await (async () => {
        for await (const message of client.watchTicket({ ticketId: "fail-midway" })) ids.push(message.ticket?.ticketId ?? "");
      })().catch((error: unknown) => ConnectError.from(error));
      expect(failed instanceof ConnectError && [failed.code, failed.rawMessage, failed.metadata.get("x-why")]).toEqual([
        Code.NotFound,
        WEIRD_MESSAGE,
        "gone",
      ]);
      expect(fastServer.fallbacks).toEqual([]);
    }
  });
});

describe("what withFastConnect leaves to the connect adapter", () => {
  const cases: [string, Exchange][] = [
    ["a content type the Connect protocol does not know", { headers: { "content-type": "text/plain" }, body: enqueueJson("ok") }],
    ["JSON with a charset", { headers: { "content-type": "application/json; charset=utf-8" }, body: enqueueJson("ok") }],
    ["a gzip-compressed body", { headers: { "content-encoding": "gzip" }, body: gzipSync(enqueueJson("ok")) }],
    ["an unknown content-encoding", { headers: { "content-encoding": "compress" }, body: enqueueJson("ok") }],
    ["a GET of a method with side effects", { method: "GET", path: `${ENQUEUE_PATH}?encoding=json&message=%7B%7D`, body: Buffer.alloc(0) }],
    ["an unknown method", { path: `/${MatchmakingService.typeName}/Nope`, body: enqueueJson("ok") }],
    ["a server-streaming method with a unary content type", { path: WATCH_PATH, body: json({ ticketId: "t" }) }],
    ["a unary method with a streaming content type", { headers: STREAM_JSON, body: envelope(enqueueJson("ok")) }],
    ["a stream to a client accepting gzip", { path: WATCH_PATH, headers: { ...STREAM_JSON, "connect-accept-encoding": "gzip" }, body: watchJson("many") }],
    ["a stream with a gzip-compressed request", { path: WATCH_PATH, headers: { ...STREAM_JSON, "connect-content-encoding": "gzip" }, body: watchJson("many") }],
    ["a stream with an unknown request compression", { path: WATCH_PATH, headers: { ...STREAM_JSON, "connect-content-encoding": "lz4" }, body: watchJson("many") }],
    ["gRPC-Web", { headers: { "content-type": "application/grpc-web+proto" }, body: Buffer.from([0, 0, 0, 0, 0]) }],
  ];
  it.each(cases)("%s", async (_name, request) => {
    const { fast, reference } = await bothWays(request);
    expect(fast).toEqual(reference);
    expect(fastServer.fallbacks).toHaveLength(1);
  });
});

describe("what withFastConnect refuses rather than hand to the adapter", () => {
  /** Sends raw bytes and returns the status line of the answer. */
  const statusLine = (port: number, raw: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.end(raw));
      const received: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => received.push(chunk));
      socket.on("close", () => resolve(Buffer.concat(received).toString("latin1").split("\r\n")[0] ?? ""));
      socket.on("error", reject);
    });
  const call = (version: string, host: string): string =>
    `POST ${ENQUEUE_PATH} HTTP/${version}\r\n${host}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;

  // Sent to the fast server only: connect-node throws on these from Node's request event, which
  // would end the test process as it ends a server.
  it.each([
    ["a Host header that makes no URL", call("1.1", "Host: a b\r\n")],
    ["no Host header (HTTP/1.0)", call("1.0", "")],
  ])("answers 400 to %s", async (_name, raw) => {
    expect(await statusLine(fastServer.port, raw)).toBe("HTTP/1.1 400 Bad Request");
    expect(await statusLine(fastServer.port, call("1.1", "Host: localhost\r\n"))).toBe("HTTP/1.1 401 Unauthorized");
  });
});
