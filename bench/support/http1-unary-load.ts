/**
 * Load generator (child process): Connect-protocol unary calls (JSON, as browsers send them) over
 * HTTP/1.1 keep-alive connections, one request in flight per connection, every request a new
 * player. Counts only HTTP 200 (the Connect protocol reports errors with other statuses).
 */
import http from "node:http";
import { toJsonString } from "@bufbuild/protobuf";
import { EnqueueRequestSchema } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { serveChild } from "./child-process.ts";
import { enqueueRequest } from "./enqueue-requests.ts";
import type { LoadResult } from "./grpc-unary-load.ts";
import { Samples } from "./latency.ts";

export interface Http1LoadConfig {
  readonly port: number;
  readonly path: string;
  readonly authorization: string;
  readonly userPrefix: string;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxRequests: number;
}

serveChild<Http1LoadConfig, LoadResult>(async (config) => {
  const bodies = Array.from({ length: config.maxRequests }, (_, i) =>
    Buffer.from(toJsonString(EnqueueRequestSchema, enqueueRequest(config.userPrefix, i))),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.connections });
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
    let active = config.connections;
    const fire = (): void => {
      const body = bodies[next];
      if (body === undefined || performance.now() >= measureTo) {
        if (--active === 0) resolve();
        return;
      }
      next++;
      const start = performance.now();
      const request = http.request({
        agent,
        host: "127.0.0.1",
        port: config.port,
        method: "POST",
        path: config.path,
        headers: {
          "content-type": "application/json",
          "content-length": body.length,
          "connect-protocol-version": "1",
          authorization: config.authorization,
        },
      });
      request.on("response", (response) => {
        response.on("data", () => {});
        response.on("end", () => {
          const end = performance.now();
          if (response.statusCode === 200) completed++;
          if (end >= measureFrom && end < measureTo) {
            if (response.statusCode === 200) {
              successes++;
              samples.add(end - start);
            } else {
              failures++;
              firstFailure ??= `HTTP ${response.statusCode}`;
            }
          }
          fire();
        });
      });
      request.on("error", (error) => {
        failures++;
        firstFailure ??= error.message;
        fire();
      });
      request.end(body);
    };
    for (let i = 0; i < config.connections; i++) fire();
  });
  const measuredMs = Math.min(performance.now(), measureTo) - measureFrom;
  agent.destroy();
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
