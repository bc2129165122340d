/**
 * Benchmark 2: Enqueue over the Connect protocol on HTTP/1.1 (the browser path), against a bare
 * node:http handler in the same run with the same load generator.
 */
import { ENQUEUE_PATH, startBareHttp1 } from "./support/baseline-servers.ts";
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { runChild } from "./support/child-process.ts";
import type { LoadResult } from "./support/grpc-unary-load.ts";
import type { Http1LoadConfig } from "./support/http1-unary-load.ts";
import { printTable } from "./support/report.ts";
import { compareServers, ratioCells, ratiosBetween, type ComparedServer } from "./support/unary-comparison.ts";

const ROUNDS = 3;
const LOAD = { connections: 32, warmupMs: 1_000, durationMs: 3_000, maxRequests: 150_000 } as const;

const servers: readonly ComparedServer[] = [
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
const results = await compareServers(servers, ROUNDS, (target, userPrefix) =>
  runChild<Http1LoadConfig, LoadResult>(new URL("./support/http1-unary-load.ts", import.meta.url), {
    ...LOAD,
    port: target.port,
    path: ENQUEUE_PATH,
    authorization: target.authorization,
    userPrefix,
  }),
);
const ca = ratiosBetween(results, 1, 0);
printTable(
  "Ratio (each round's servers measured back to back)",
  ["ratio", "throughput (req/s)", "CPU efficiency (CPU per request, inverted)"],
  [["c/a (vs bare node:http)", ratioCells(ca.throughput), ratioCells(ca.cpu)]],
);
