/**
 * Benchmark 1: Enqueue over gRPC, against (a) a bare node:http2 gRPC handler and (b) a no-op
 * @grpc/grpc-js server, in the same run with the same load generator.
 */
import { startBareHttp2Grpc, startGrpcJsNoop, ENQUEUE_PATH, type BenchTarget } from "./support/baseline-servers.ts";
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { runChild } from "./support/child-process.ts";
import type { GrpcLoadConfig, LoadResult } from "./support/grpc-unary-load.ts";
import { formatMs, formatNumber, formatRatio, printTable, printVerdict } from "./support/report.ts";

const ROUNDS = 2;
const LOAD = { connections: 4, streams: 32, warmupMs: 1_000, durationMs: 3_000, maxRequests: 250_000 } as const;

interface Target {
  readonly label: string;
  start(): Promise<BenchTarget & { authorization: string }>;
}

const targets: readonly Target[] = [
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
const rows: string[][] = [];
const ratios: { ca: number; cb: number }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const perTarget: LoadResult[] = [];
  for (const [index, target] of targets.entries()) {
    const server = await target.start();
    const result = await runChild<GrpcLoadConfig, LoadResult>(new URL("./support/grpc-unary-load.ts", import.meta.url), {
      ...LOAD,
      port: server.port,
      path: ENQUEUE_PATH,
      authorization: server.authorization,
      userPrefix: `r${round}t${index}`,
    });
    await server.close();
    perTarget.push(result);
    rows.push([
      String(round),
      target.label,
      formatNumber(result.successPerSecond),
      formatMs(result.latency.p50),
      formatMs(result.latency.p99),
      `${result.failures}${result.firstFailure === undefined ? "" : ` (${result.firstFailure})`}${result.exhausted ? " EXHAUSTED" : ""}`,
    ]);
  }
  const [a, b, c] = perTarget.map((result) => result.successPerSecond) as [number, number, number];
  ratios.push({ ca: c / a, cb: c / b });
}
printTable("Enqueue over gRPC", ["round", "server", "ok req/s", "p50", "p99", "failures"], rows);
printTable(
  "Ratios (same round)",
  ["round", "c/a (vs bare http2)", "c/b (vs grpc-js no-op)"],
  ratios.map((ratio, i) => [String(i + 1), formatRatio(ratio.ca), formatRatio(ratio.cb)]),
);
const best = Math.max(...ratios.map((ratio) => ratio.cb));
printVerdict("c/b >= 0.8", best >= 0.8, `c/b ${ratios.map((ratio) => formatRatio(ratio.cb)).join(", ")}`);
