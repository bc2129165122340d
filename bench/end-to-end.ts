/**
 * Benchmark 5: sustained players per second from Enqueue to assignment received (Enqueue, then
 * WatchTicket until matched), with the matching loop on its real timers, per storage backend.
 */
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { startRedisDeployment, type Deployed } from "./support/redis-deployment.ts";
import { LoadProcess } from "./support/child-process.ts";
import type { PlayerLoopsConfig, PlayerLoopsResult } from "./support/player-loops.ts";
import { formatMs, formatNumber, printTable } from "./support/report.ts";

const LOAD = { connectionsPerInstance: 4, warmupMs: 2_000, durationMs: 5_000 } as const;
/** Closed-loop player counts: past the knee, more players only lengthen the wait. */
const PLAYER_COUNTS = [250, 1_000] as const;

/** A way to run the matchmaker: how many instances, sharing which storage. */
interface Deployment {
  readonly label: string;
  start(): Promise<Deployed>;
}

const deployments: Deployment[] = [
  {
    label: "in-memory store, 1 instance (in this process)",
    start: async () => {
      const instance = await startBenchMatchmaker({ scheduleMatching: true });
      return { ports: [instance.app.servers.grpcPort], token: instance.token, close: () => instance.close(), inProcess: true };
    },
  },
  { label: "Redis, 1 instance (own process)", start: () => startRedisDeployment(1) },
  { label: "Redis, 2 instances (own processes)", start: () => startRedisDeployment(2) },
];

process.stdout.write(
  `\n## 5. End to end: concurrent players looping Enqueue -> WatchTicket -> assignment, queue "duel" ` +
    `(${LOAD.warmupMs / 1000} s warm-up + ${LOAD.durationMs / 1000} s measured)\n`,
);
const rows: string[][] = [];
for (const deployment of deployments) {
  for (const players of PLAYER_COUNTS) {
    const deployed = await deployment.start();
    const utilizationFrom = performance.eventLoopUtilization();
    const clients = new LoadProcess<PlayerLoopsResult>(new URL("./support/player-loops.ts", import.meta.url), {
      ...LOAD,
      players,
      ports: [...deployed.ports],
      authorization: `Bearer ${await deployed.token("service", "bench-e2e")}`,
    } satisfies PlayerLoopsConfig);
    const result = await clients.next();
    // Only an instance in this process can have its event loop measured from here.
    const serverUtilization = deployed.inProcess ? performance.eventLoopUtilization(utilizationFrom).utilization : undefined;
    await clients.exited();
    await deployed.close();
    const bottleneck =
      serverUtilization !== undefined && serverUtilization > 0.9
        ? "server event loop (CPU)"
        : result.clientUtilization > 0.9
          ? "load generator"
          : serverUtilization === undefined
            ? "see server CPU: the processes share 2 cores with Redis and the load generator"
            : "neither saturated: matching tick cadence bounds the wait";
    rows.push([
      deployment.label,
      formatNumber(players),
      formatNumber(result.playersPerSecond),
      formatMs(result.latency.p50),
      formatMs(result.latency.p99),
      `${result.failures}${result.firstFailure === undefined ? "" : ` (${result.firstFailure})`}`,
      serverUtilization === undefined ? "n/a" : serverUtilization.toFixed(2),
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
