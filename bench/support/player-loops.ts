/**
 * Load generator (child process): `players` concurrent player loops, each enqueueing a new solo
 * player over gRPC, watching the ticket until its assignment arrives, and starting over. Reports
 * players assigned per second and the enqueue-to-assignment latency.
 */
import type http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  EnqueueResponseSchema,
  MatchmakingService,
  TicketState,
  WatchTicketRequestSchema,
  WatchTicketResponseSchema,
} from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { EnqueueRequestSchema } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { ENQUEUE_PATH } from "./baseline-servers.ts";
import { serveChild } from "./child-process.ts";
import { BENCH_QUEUE, grpcFrame } from "./enqueue-requests.ts";
import { connectH2c, GrpcFrameReader } from "./grpc-frames.ts";
import { Samples, type LatencySummary } from "./latency.ts";

export interface PlayerLoopsConfig {
  /** gRPC ports of the instances; players are spread over them. */
  readonly ports: readonly number[];
  readonly authorization: string;
  readonly connectionsPerInstance: number;
  readonly players: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface PlayerLoopsResult {
  readonly playersPerSecond: number;
  readonly assigned: number;
  readonly failures: number;
  readonly firstFailure: string | undefined;
  readonly latency: LatencySummary;
  /** Event-loop utilisation of the load generator: near 1 means the client was the limit. */
  readonly clientUtilization: number;
}

const WATCH_PATH = `/${MatchmakingService.typeName}/${MatchmakingService.method.watchTicket.name}`;

serveChild<PlayerLoopsConfig, PlayerLoopsResult>(async (config) => {
  const sessions: http2.ClientHttp2Session[] = [];
  for (const port of config.ports) {
    for (let i = 0; i < config.connectionsPerInstance; i++) sessions.push(await connectH2c(port));
  }
  const headers = (path: string) => ({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc+proto",
    te: "trailers",
    authorization: config.authorization,
  });
  const samples = new Samples(1_000_000);
  let assigned = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  let nextPlayer = 0;
  const begin = performance.now();
  const measureFrom = begin + config.warmupMs;
  const measureTo = measureFrom + config.durationMs;
  const fail = (reason: string): void => {
    if (performance.now() >= measureTo) return;
    failures++;
    firstFailure ??= reason;
  };

  /**
   * One RPC: hands over each response message as it arrives, resolves with the grpc-status. Streams
   * are never cancelled: WatchTicket ends itself after the assignment, and a client resetting
   * streams faster than nghttp2's rapid-reset limit gets its connection closed (GOAWAY).
   */
  const call = (session: http2.ClientHttp2Session, path: string, body: Buffer, onMessage: (bytes: Buffer) => void) =>
    new Promise<string>((resolve) => {
      const stream = session.request(headers(path));
      const reader = new GrpcFrameReader();
      let status = "missing";
      stream.on("response", (response) => {
        if (response["grpc-status"] !== undefined) status = String(response["grpc-status"]);
      });
      stream.on("trailers", (trailers) => {
        if (trailers["grpc-status"] !== undefined) status = String(trailers["grpc-status"]);
      });
      stream.on("data", (chunk: Buffer) => {
        for (const bytes of reader.push(chunk)) onMessage(bytes);
      });
      stream.on("error", (error: Error) => {
        status = `${status}; ${error.message}`;
      });
      stream.on("close", () => resolve(status === "missing" ? `missing (rst ${stream.rstCode})` : status));
      stream.end(body);
    });

  const loop = async (session: http2.ClientHttp2Session): Promise<void> => {
    while (performance.now() < measureTo) {
      const player = nextPlayer++;
      const start = performance.now();
      const request = create(EnqueueRequestSchema, {
        queue: BENCH_QUEUE,
        players: [{ userId: `e2e-${player}`, skill: 1500 + (player % 40) }],
        latencyMs: { "eu-west": 20 },
      });
      let ticketId = "";
      const enqueued = await call(session, ENQUEUE_PATH, grpcFrame(toBinary(EnqueueRequestSchema, request)), (bytes) => {
        ticketId = fromBinary(EnqueueResponseSchema, bytes).ticket?.ticketId ?? "";
      });
      if (enqueued !== "0" || ticketId === "") {
        fail(`Enqueue grpc-status ${enqueued}`);
        continue;
      }
      const watch = grpcFrame(toBinary(WatchTicketRequestSchema, create(WatchTicketRequestSchema, { ticketId })));
      let matched = false;
      const watched = await call(session, WATCH_PATH, watch, (bytes) => {
        const ticket = fromBinary(WatchTicketResponseSchema, bytes).ticket;
        matched = ticket?.state === TicketState.MATCHED && ticket.assignment !== undefined;
      });
      const end = performance.now();
      if (!matched || watched !== "0") {
        fail(`WatchTicket ended without an assignment (grpc-status ${watched})`);
        continue;
      }
      if (end >= measureFrom && end < measureTo) {
        assigned++;
        samples.add(end - start);
      }
    }
  };
  const utilizationFrom = performance.eventLoopUtilization();
  // Players still waiting at the end (the last odd one has no partner) are cut off.
  const cutOff = setTimeout(() => {
    for (const session of sessions) session.destroy();
  }, measureTo - performance.now());
  await Promise.all(Array.from({ length: config.players }, (_, i) => loop(sessions[i % sessions.length]!)));
  clearTimeout(cutOff);
  const utilization = performance.eventLoopUtilization(utilizationFrom).utilization;
  for (const session of sessions) session.destroy();
  return {
    playersPerSecond: (assigned * 1000) / config.durationMs,
    assigned,
    failures,
    firstFailure,
    latency: samples.summary(),
    clientUtilization: utilization,
  };
});
