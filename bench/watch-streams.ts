/**
 * Benchmark 4: 20,000 concurrent WatchTicket streams on one instance: server heap and RSS per idle
 * stream, then the latency from a match being formed to its assignment reaching the watcher while
 * every other stream stays open (and is woken by every matching pass). The first pass with matches
 * is a warm-up, reported apart: the target is about a server that has been running.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { ServiceCaller } from "../src/application/caller.ts";
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { LoadProcess } from "./support/child-process.ts";
import { BENCH_QUEUE } from "./support/enqueue-requests.ts";
import { summarize } from "./support/latency.ts";
import { memoryAfterGc } from "./support/memory-after-gc.ts";
import { formatMs, formatNumber, printTable, printVerdict } from "./support/report.ts";
import type { WatchClientsConfig, WatchClientsMessage } from "./support/watch-clients.ts";

const STREAMS = 20_000;
const CONNECTIONS = 20;
const BATCHES = 20;
const MATCHES_PER_BATCH = 50;
/** Wider than any skill window of the queue: no two watched tickets ever match each other. */
const SKILL_SPACING = 2_000;
const BATCH_INTERVAL_MS = 200;

const memory = memoryAfterGc;

process.stdout.write(`\n## 4. WatchTicket at scale: ${formatNumber(STREAMS)} streams over ${CONNECTIONS} HTTP/2 connections\n`);
const matchmaker = await startBenchMatchmaker({ scheduleMatching: false });
const caller: ServiceCaller = { kind: "service", subject: "bench" };
const enqueue = (userId: string, skill: number) =>
  matchmaker.app.matchmaker.enqueue(caller, {
    queue: BENCH_QUEUE,
    players: [{ userId, skill }],
    partyId: "",
    latencyMs: { "eu-west": 20 },
    requestId: "",
  });
const ticketIds: string[] = [];
for (let i = 0; i < STREAMS; i++) ticketIds.push((await enqueue(`watcher-${i}`, i * SKILL_SPACING)).id);
await matchmaker.app.runPass();
const before = memory();

const clients = new LoadProcess<WatchClientsMessage>(new URL("./support/watch-clients.ts", import.meta.url), {
  port: matchmaker.app.servers.grpcPort,
  authorization: `Bearer ${await matchmaker.token("service", "bench-watchers")}`,
  connections: CONNECTIONS,
  ticketIds,
} satisfies WatchClientsConfig);
const opened = await clients.next();
if (opened.type !== "opened") throw new Error("unexpected message from the watch clients");
const idle = memory();
const heapPerStream = (idle.heap - before.heap) / STREAMS;
const rssPerStream = (idle.rss - before.rss) / STREAMS;

// Matches form in batches, each ticket paired with a new partner of the same skill, one batch per pass.
// Batch 0 is the warm-up: the first matches after start run every step of placement and delivery
// for the first time (cold code), so it is reported on its own and the rest measure a running server.
const WARM_UP_BATCHES = 1;
const spacing = Math.floor(STREAMS / ((WARM_UP_BATCHES + BATCHES) * MATCHES_PER_BATCH));
let warmUpMatches: ReadonlySet<string> = new Set();
let started = performance.now();
for (let batch = 0; batch < WARM_UP_BATCHES + BATCHES; batch++) {
  if (batch === WARM_UP_BATCHES) started = performance.now();
  for (let k = 0; k < MATCHES_PER_BATCH; k++) {
    const index = (batch * MATCHES_PER_BATCH + k) * spacing;
    await enqueue(`partner-${index}`, index * SKILL_SPACING);
  }
  await matchmaker.app.runPass();
  if (batch === WARM_UP_BATCHES - 1) warmUpMatches = new Set(matchmaker.fleet.formedAt.keys());
  await delay(BATCH_INTERVAL_MS);
}
const elapsed = performance.now() - started;
clients.send({ type: "report" });
const report = await clients.next();
if (report.type !== "report") throw new Error("unexpected message from the watch clients");
await clients.exited();
await matchmaker.close();

const latencyOf = ([matchId, at]: readonly [string, number]): number => at - matchmaker.fleet.formedAt.get(matchId)!;
const measured = report.deliveries.filter(([matchId]) => !warmUpMatches.has(matchId));
const warmUp = summarize(Float64Array.from(report.deliveries.filter(([matchId]) => warmUpMatches.has(matchId)), latencyOf));
const latency = summarize(Float64Array.from(measured, latencyOf));
printTable(
  "Idle streams (server process, after GC)",
  ["streams open", "failed", "heap per stream", "RSS per stream", "heap total", "RSS total"],
  [
    [
      formatNumber(STREAMS - opened.failed),
      String(opened.failed),
      `${formatNumber(heapPerStream / 1024, 1)} KiB`,
      `${formatNumber(rssPerStream / 1024, 1)} KiB`,
      `${formatNumber(idle.heap / 2 ** 20)} MiB`,
      `${formatNumber(idle.rss / 2 ** 20)} MiB`,
    ],
  ],
);
const warmUpCount = report.deliveries.length - measured.length;
printTable(
  `Match formed -> assignment received by the watcher (${formatNumber(report.messages)} messages on all streams)`,
  ["passes", "assignments received", "p50", "p99", "max"],
  [
    [`warm-up: the first after start`, `${formatNumber(warmUpCount)} / ${formatNumber(WARM_UP_BATCHES * MATCHES_PER_BATCH)}`, formatMs(warmUp.p50), formatMs(warmUp.p99), formatMs(warmUp.max)],
    [
      `measured: ${BATCHES} of ${MATCHES_PER_BATCH} matches in ${formatNumber(elapsed / 1000, 1)} s`,
      `${formatNumber(measured.length)} / ${formatNumber(BATCHES * MATCHES_PER_BATCH)}`,
      formatMs(latency.p50),
      formatMs(latency.p99),
      formatMs(latency.max),
    ],
  ],
);
process.stdout.write("\n");
printVerdict("<= 8 KiB heap per idle stream", heapPerStream <= 8 * 1024, `${formatNumber(heapPerStream / 1024, 1)} KiB`);
printVerdict("p99 <= 50 ms", latency.p99 <= 50, formatMs(latency.p99));
