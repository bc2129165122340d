/**
 * Benchmark 5: sustained players per second from Enqueue to assignment received (Enqueue, then
 * WatchTicket until matched), with the matching loop on its real timers, per storage backend.
 */
import { availableParallelism } from "node:os";
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { startRedisDeployment, type Deployed } from "./support/redis-deployment.ts";
import { LoadProcess } from "./support/child-process.ts";
import type { PlayerLoopsConfig, PlayerLoopsResult } from "./support/player-loops.ts";
import { formatMs, formatNumber, printTable } from "./support/report.ts";
import { loadQueueConfigFile } from "../src/config/queue-config-file.ts";
import { machineBusySeconds } from "./support/process-cpu.ts";

/** The queue's matching interval: a player enqueued just after a pass waits up to one for the next. */
const DUEL_TICK_MS = loadQueueConfigFile("config/queues.json").find((queue) => queue.name === "duel")!.tickIntervalMs;
/** Cores this machine offers; every process of the benchmark shares them. */
const MACHINE_CORES = availableParallelism();
const LOAD = { connectionsPerInstance: 4, warmupMs: 2_000, durationMs: 5_000 } as const;
/**
 * Closed-loop player counts: past the knee, more players only lengthen the wait. On a fast host
 * 1,000 players are still bounded by the matching tick (a player waits for the next pass), so the
 * largest count is there to reach what the deployment can sustain.
 */
const PLAYER_COUNTS = [250, 1_000, 4_000] as const;

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
    const cpuFrom = deployed.cpuSeconds?.();
    const machineFrom = machineBusySeconds();
    const startedAt = performance.now();
    const clients = new LoadProcess<PlayerLoopsResult>(new URL("./support/player-loops.ts", import.meta.url), {
      ...LOAD,
      players,
      ports: [...deployed.ports],
      authorization: `Bearer ${await deployed.token("service", "bench-e2e")}`,
    } satisfies PlayerLoopsConfig);
    const result = await clients.next();
    // Only an instance in this process can have its event loop measured from here; the others,
    // and Redis, have their CPU time read (cores used on average over the warm-up and the run).
    const serverUtilization = deployed.inProcess ? performance.eventLoopUtilization(utilizationFrom).utilization : undefined;
    const cpuTo = deployed.cpuSeconds?.();
    const seconds = (performance.now() - startedAt) / 1000;
    const instanceCores = cpuFrom === undefined || cpuTo === undefined ? [] : cpuTo.instances.map((used, index) => (used - cpuFrom.instances[index]!) / seconds);
    const redisCores = cpuFrom === undefined || cpuTo === undefined ? Number.NaN : (cpuTo.redis - cpuFrom.redis) / seconds;
    const busiestInstance = Math.max(...instanceCores);
    const machineCores = (machineBusySeconds() - machineFrom) / seconds;
    await clients.exited();
    await deployed.close();
    const bottleneck =
      (serverUtilization !== undefined && serverUtilization > 0.9) || busiestInstance > 0.9
        ? "matchmaker CPU (its event loop's one core)"
        : result.clientUtilization > 0.9
          ? "load generator"
          : redisCores > 0.9
            ? "Redis CPU (its one core)"
            : machineCores > 0.9 * MACHINE_CORES
              ? `the machine's ${MACHINE_CORES} cores (${machineCores.toFixed(2)} busy: the instances, Redis, the fleet, the load generator and the kernel)`
              : result.latency.p50 <= 2 * DUEL_TICK_MS
                ? "neither saturated: matching tick cadence bounds the wait"
                : `none measured saturated, yet players wait ${Math.round(result.latency.p50 / DUEL_TICK_MS)} ticks`;
    rows.push([
      deployment.label,
      formatNumber(players),
      formatNumber(result.playersPerSecond),
      formatMs(result.latency.p50),
      formatMs(result.latency.p99),
      `${result.failures}${result.firstFailure === undefined ? "" : ` (${result.firstFailure})`}`,
      serverUtilization === undefined ? "n/a" : serverUtilization.toFixed(2),
      instanceCores.length === 0 ? "n/a" : instanceCores.map((cores) => cores.toFixed(2)).join(", "),
      Number.isNaN(redisCores) ? "n/a" : redisCores.toFixed(2),
      result.clientUtilization.toFixed(2),
      Number.isNaN(machineCores) ? "n/a" : machineCores.toFixed(2),
      bottleneck,
    ]);
  }
}
printTable(
  "Players per second, Enqueue to assignment received",
  ["deployment", "players", "players/s", "p50", "p99", "failures", "server ELU", "server CPU (cores)", "Redis CPU (cores)", "client ELU", "machine busy (cores)", "bottleneck"],
  rows,
);
