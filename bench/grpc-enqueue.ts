/**
 * Benchmark 1: Enqueue over gRPC, against (a) a bare node:http2 gRPC handler and (b) a no-op
 * @grpc/grpc-js server, in the same run with the same load generator.
 */
import { ENQUEUE_PATH, startBareHttp2Grpc, startGrpcJsNoop } from "./support/baseline-servers.ts";
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { runChild } from "./support/child-process.ts";
import type { GrpcLoadConfig, LoadResult } from "./support/grpc-unary-load.ts";
import { printTable, printVerdict } from "./support/report.ts";
import { compareServers, median, ratioCells, ratiosBetween, type ComparedServer } from "./support/unary-comparison.ts";

const ROUNDS = 3;
const LOAD = { connections: 4, streams: 32, warmupMs: 1_000, durationMs: 3_000, maxRequests: 250_000 } as const;

const servers: readonly ComparedServer[] = [
  { label: "(a) bare node:http2, gRPC framing by hand", start: async () => ({ ...(await startBareHttp2Grpc()), authorization: "" }) },
  { label: "(b) @grpc/grpc-js, no-op handler", start: async () => ({ ...(await startGrpcJsNoop()), authorization: "" }) },
  {
    label: "(c) matchmaker Enqueue, token auth",
    start: async () => {
      const matchmaker = await startBenchMatchmaker({ scheduleMatching: false });
      return {
        port: matchmaker.app.servers.grpcPort,
        authorization: `Bearer ${await matchmaker.token("service", "bench-backend")}`,
        close: () => matchmaker.close(),
      };
    },
  },
];

process.stdout.write(
  `\n## 1. Enqueue over gRPC (h2c, ${LOAD.connections} connections x ${LOAD.streams} streams, ` +
    `${LOAD.warmupMs / 1000} s warm-up + ${LOAD.durationMs / 1000} s measured, ${ROUNDS} rounds, every request a new player)\n`,
);
const results = await compareServers(servers, ROUNDS, (target, userPrefix) =>
  runChild<GrpcLoadConfig, LoadResult>(new URL("./support/grpc-unary-load.ts", import.meta.url), {
    ...LOAD,
    port: target.port,
    path: ENQUEUE_PATH,
    authorization: target.authorization,
    userPrefix,
  }),
);
const ca = ratiosBetween(results, 2, 0);
const cb = ratiosBetween(results, 2, 1);
printTable(
  "Ratios (each round's servers measured back to back)",
  ["ratio", "throughput (req/s)", "CPU efficiency (CPU per request, inverted)"],
  [
    ["c/a (vs bare http2)", ratioCells(ca.throughput), ratioCells(ca.cpu)],
    ["c/b (vs grpc-js no-op)", ratioCells(cb.throughput), ratioCells(cb.cpu)],
  ],
);
process.stdout.write("\n");
printVerdict("c/b >= 0.8 (median throughput ratio)", median(cb.throughput) >= 0.8, ratioCells(cb.throughput));
