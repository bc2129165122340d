/**
 * Benchmark 2: Enqueue over the Connect protocol on HTTP/1.1 (the browser path), against a bare
 * node:http handler in the same run with the same load generator; then what an idle browser
 * WatchTicket stream (Connect streaming over HTTP/1.1) holds on the server.
 */
import type { ServiceCaller } from "../src/application/caller.ts";
import { ENQUEUE_PATH, startBareHttp1 } from "./support/baseline-servers.ts";
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { LoadProcess, runChild } from "./support/child-process.ts";
import { BENCH_QUEUE } from "./support/enqueue-requests.ts";
import type { Http1WatchClientsConfig, Http1WatchClientsOpened } from "./support/http1-watch-clients.ts";
import type { LoadResult } from "./support/grpc-unary-load.ts";
import type { Http1LoadConfig } from "./support/http1-unary-load.ts";
import { memoryAfterGc } from "./support/memory-after-gc.ts";
import { formatNumber, printTable } from "./support/report.ts";
import { compareServers, ratioCells, ratiosBetween, type ComparedServer } from "./support/unary-comparison.ts";

const ROUNDS = 3;
/** Browser watchers: each holds its own HTTP/1.1 connection, as a fetch stream does. */
const WATCHERS = 2_000;
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

process.stdout.write(`\n## 2b. Browser watchers: ${formatNumber(WATCHERS)} idle WatchTicket streams over Connect (application/connect+json), one HTTP/1.1 connection each\n`);
const matchmaker = await startBenchMatchmaker({ scheduleMatching: false });
const caller: ServiceCaller = { kind: "service", subject: "bench" };
const ticketIds: string[] = [];
for (let i = 0; i < WATCHERS; i++) {
  // Skills far apart: no two watched tickets match, every stream stays idle.
  const players = [{ userId: `browser-${i}`, skill: i * 2_000 }];
  ticketIds.push((await matchmaker.app.matchmaker.enqueue(caller, { queue: BENCH_QUEUE, players, partyId: "", latencyMs: { "eu-west": 20 }, requestId: "" })).id);
}
await matchmaker.app.runPass();
const before = memoryAfterGc();
const cpuBefore = process.cpuUsage();
const watchers = new LoadProcess<Http1WatchClientsOpened>(new URL("./support/http1-watch-clients.ts", import.meta.url), {
  port: matchmaker.app.servers.httpPort,
  authorization: `Bearer ${await matchmaker.token("service", "bench-browser-watchers")}`,
  ticketIds,
} satisfies Http1WatchClientsConfig);
const { failed } = await watchers.next();
const openCpu = process.cpuUsage(cpuBefore);
const idle = memoryAfterGc();
watchers.send("close");
await watchers.exited();
await matchmaker.close();
printTable(
  "Idle browser streams (server process, after GC; CPU from the first request to the last stream's first message)",
  ["streams open", "failed", "heap per stream", "RSS per stream", "server CPU per stream opened"],
  [
    [
      formatNumber(WATCHERS - failed),
      String(failed),
      `${formatNumber((idle.heap - before.heap) / WATCHERS / 1024, 1)} KiB`,
      `${formatNumber((idle.rss - before.rss) / WATCHERS / 1024, 1)} KiB`,
      `${formatNumber((openCpu.user + openCpu.system) / WATCHERS)} µs`,
    ],
  ],
);
