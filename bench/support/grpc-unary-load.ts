/**
 * Load generator (child process): unary gRPC calls over node:http2 with pre-encoded, all-different
 * Enqueue requests, `streams` in flight on each of `connections` sessions. Counts only responses
 * whose grpc-status is 0.
 */
import http2 from "node:http2";
import { toBinary } from "@bufbuild/protobuf";
import { EnqueueRequestSchema } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { serveChild } from "./child-process.ts";
import { enqueueRequest, grpcFrame } from "./enqueue-requests.ts";
import { connectH2c } from "./grpc-frames.ts";
import { Samples, type LatencySummary } from "./latency.ts";

export interface GrpcLoadConfig {
  readonly port: number;
  readonly path: string;
  readonly authorization: string;
  readonly userPrefix: string;
  readonly connections: number;
  readonly streams: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Requests pre-encoded; the run stops early (and says so) if they run out. */
  readonly maxRequests: number;
}

export interface LoadResult {
  readonly successPerSecond: number;
  readonly successes: number;
  /** Successes over the whole run, warm-up included: the divisor of the server's CPU time. */
  readonly completed: number;
  readonly failures: number;
  /** grpc-status (or HTTP status) of the first failure, to tell a broken setup from load. */
  readonly firstFailure: string | undefined;
  readonly latency: LatencySummary;
  readonly exhausted: boolean;
}

serveChild<GrpcLoadConfig, LoadResult>(async (config) => {
  const bodies = Array.from({ length: config.maxRequests }, (_, i) =>
    grpcFrame(toBinary(EnqueueRequestSchema, enqueueRequest(config.userPrefix, i))),
  );
  const headers = {
    ":method": "POST",
    ":path": config.path,
    "content-type": "application/grpc+proto",
    te: "trailers",
    authorization: config.authorization,
  };
  const sessions = await Promise.all(
    Array.from({ length: config.connections }, () => connectH2c(config.port)),
  );
  const samples = new Samples(config.maxRequests);
  let next = 0;
  let successes = 0;
  let completed = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const begin = performance.now();
  const measureFrom = begin + config.warmupMs;
  const measureTo = measureFrom + config.durationMs;

  await new Promise<void>((resolve) => {
    let active = 0;
    const fire = (session: http2.ClientHttp2Session): void => {
      const body = bodies[next];
      if (body === undefined || performance.now() >= measureTo) {
        if (--active === 0) resolve();
        return;
      }
      next++;
      const start = performance.now();
      let status: string | undefined;
      const stream = session.request(headers);
      stream.on("response", (response) => {
        const value = response["grpc-status"];
        if (value !== undefined) status = String(value);
      });
      stream.on("trailers", (trailers) => {
        const value = trailers["grpc-status"];
        if (value !== undefined) status = String(value);
      });
      stream.on("data", () => {});
      stream.on("error", () => {});
      stream.on("close", () => {
        const end = performance.now();
        if (status === "0") completed++;
        if (end >= measureFrom && end < measureTo) {
          if (status === "0") {
            successes++;
            samples.add(end - start);
          } else {
            failures++;
            firstFailure ??= `grpc-status ${status ?? "missing"}`;
          }
        }
        fire(session);
      });
      stream.end(body);
    };
    for (const session of sessions) {
      for (let i = 0; i < config.streams; i++) {
        active++;
        fire(session);
      }
    }
  });
  const measuredMs = Math.min(performance.now(), measureTo) - measureFrom;
  for (const session of sessions) session.close();
  return {
    successPerSecond: (successes * 1000) / measuredMs,
    successes,
    completed,
    failures,
    firstFailure,
    latency: samples.summary(),
    exhausted: next >= bodies.length,
  };
});
