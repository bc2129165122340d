/**
 * Benchmark 5: sustained players per second from Enqueue to assignment received (Enqueue, then
 * WatchTicket until matched), with the matching loop on its real timers, per storage backend.
 */
import { existsSync } from "node:fs";
import { startBenchMatchmaker, type BenchMatchmaker } from "./support/bench-matchmaker.ts";
import { LoadProcess } from "./support/child-process.ts";
import type { PlayerLoopsConfig, PlayerLoopsResult } from "./support/player-loops.ts";
import { formatMs, formatNumber, printTable } from "./support/report.ts";

const LOAD = { connectionsPerInstance: 4, warmupMs: 2_000, durationMs: 5_000 } as const;
/** Closed-loop player counts: past the knee, more players only lengthen the wait. */
const PLAYER_COUNTS = [250, 1_000] as const;

/** A way to run the matchmaker: how many instances, sharing which storage. */
interface Deployment {
  readonly label: string;
  start(): Promise<readonly BenchMatchmaker[]>;
}

const deployments: Deployment[] = [
  { label: "in-memory store, 1 instance", start: async () => [await startBenchMatchmaker({ scheduleMatching: true })] },
];
if (existsSync(new URL("../src/storage/redis", import.meta.url))) {
  process.stdout.write("note: src/storage/redis exists; add its deployments (1 and 2 instances) here\n");
}

process.stdout.write(
  `\n## 5. End to end: concurrent players looping Enqueue -> WatchTicket -> assignment, queue "duel" ` +
    `(${LOAD.warmupMs / 1000} s warm-up + ${LOAD.durationMs / 1000} s measured)\n`,
);
const rows: string[][] = [];
for (const deployment of deployments) {
  for (const players of PLAYER_COUNTS) {
    const instances = await deployment.start();
    const utilizationFrom = performance.eventLoopUtilization();
    const clients = new LoadProcess<PlayerLoopsResult>(new URL("./support/player-loops.ts", import.meta.url), {
      ...LOAD,
      players,
      ports: instances.map((instance) => instance.app.servers.grpcPort),
      authorization: `Bearer ${await instances[0]!.token("service", "bench-e2e")}`,
    } satisfies PlayerLoopsConfig);
    const result = await clients.next();
    const serverUtilization = performance.eventLoopUtilization(utilizationFrom).utilization;
    await clients.exited();
    for (const instance of instances) await instance.close();
    const bottleneck =
      serverUtilization > 0.9
        ? "server event loop (CPU)"
        : result.clientUtilization > 0.9
          ? "load generator"
          : "neither saturated: matching tick cadence bounds the wait";
    rows.push([
      deployment.label,
      formatNumber(players),
      formatNumber(result.playersPerSecond),
      formatMs(result.latency.p50),
      formatMs(result.latency.p99),
      `${result.failures}${result.firstFailure === undefined ? "" : ` (${result.firstFailure})`}`,
      serverUtilization.toFixed(2),
      result.clientUtilization.toFixed(2),
      bottleneck,
    ]);
  }
}
printTable(
  "Players per second, Enqueue to assignment received",
  ["deployment", "players", "players/s", "p50", "p99", "failures", "server ELU", "client ELU", "bottleneck"],
  rows,
);
