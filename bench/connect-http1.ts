/**
 * Benchmark 2: Enqueue over the Connect protocol on HTTP/1.1 (the browser path), against a bare
 * node:http handler in the same run with the same load generator.
 */
import { ENQUEUE_PATH, startBareHttp1, type BenchTarget } from "./support/baseline-servers.ts";
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { runChild } from "./support/child-process.ts";
import type { LoadResult } from "./support/grpc-unary-load.ts";
import type { Http1LoadConfig } from "./support/http1-unary-load.ts";
import { formatMs, formatNumber, formatRatio, printTable } from "./support/report.ts";

const ROUNDS = 2;
const LOAD = { connections: 32, warmupMs: 1_000, durationMs: 3_000, maxRequests: 150_000 } as const;

interface Target {
  readonly label: string;
  start(): Promise<BenchTarget & { authorization: string }>;
}

const targets: readonly Target[] = [
  { label: "(a) bare node:http, reads body, answers {}", start: async () => ({ ...(await startBareHttp1()), authorization: "" }) },
  {
    label: "(c) matchmaker Enqueue, Connect JSON, token auth",
    start: async () => {
      const matchmaker = await startBenchMatchmaker({ scheduleMatching: false });
      return {
        port: matchmaker.app.servers.httpPort,
        authorization: `Bearer ${await matchmaker.token("service", "bench-backend")}`,
        close: () => matchmaker.close(),
      };
    },
  },
];

process.stdout.write(
  `\n## 2. Enqueue over Connect on HTTP/1.1 (${LOAD.connections} keep-alive connections, ` +
    `${LOAD.warmupMs / 1000} s warm-up + ${LOAD.durationMs / 1000} s measured, ${ROUNDS} rounds, every request a new player)\n`,
);
const rows: string[][] = [];
const ratios: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const perTarget: LoadResult[] = [];
  for (const [index, target] of targets.entries()) {
    const server = await target.start();
    const result = await runChild<Http1LoadConfig, LoadResult>(new URL("./support/http1-unary-load.ts", import.meta.url), {
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
  ratios.push(perTarget[1]!.successPerSecond / perTarget[0]!.successPerSecond);
}
printTable("Connect over HTTP/1.1", ["round", "server", "ok req/s", "p50", "p99", "failures"], rows);
printTable("Ratio (same round)", ["round", "c/a (vs bare node:http)"], ratios.map((ratio, i) => [String(i + 1), formatRatio(ratio)]));
