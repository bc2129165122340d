/**
 * Benchmark 7: players per second end to end when the fleet is slow or the limit on concurrent
 * allocations is low, against the same matchmaker with a fleet that answers at once (baseline), in
 * the same run. Shows what the limit costs in throughput, and that the fleet never sees more open
 * allocations than the limit.
 */
import { startBenchMatchmaker } from "./support/bench-matchmaker.ts";
import { LoadProcess } from "./support/child-process.ts";
import type { PlayerLoopsConfig, PlayerLoopsResult } from "./support/player-loops.ts";
import { formatMs, formatNumber, formatRatio, printTable, printVerdict } from "./support/report.ts";

const LOAD = { connectionsPerInstance: 4, warmupMs: 2_000, durationMs: 5_000, players: 1_000 } as const;
/** Queue "duel": two players per match. */
const PLAYERS_PER_MATCH = 2;

interface Scenario {
  readonly label: string;
  /** How long the fleet takes per allocation. */
  readonly delayMs: number;
  /** The limit on concurrent allocations; the matchmaker's default (256) when undefined. */
  readonly limit: number | undefined;
}

const BASELINE: Scenario = { label: "fleet answers at once, default limit (baseline)", delayMs: 0, limit: undefined };
const SCENARIOS: readonly Scenario[] = [
  BASELINE,
  { label: "fleet answers in 20 ms, default limit", delayMs: 20, limit: undefined },
  { label: "fleet answers in 5 ms, limit 16", delayMs: 5, limit: 16 },
  { label: "fleet answers in 100 ms, limit 16", delayMs: 100, limit: 16 },
];

process.stdout.write(
  `\n## 7. Allocation limit: players looping Enqueue -> WatchTicket -> assignment (queue "duel", ${formatNumber(LOAD.players)} players, ` +
    `in-memory store, ${LOAD.warmupMs / 1000} s warm-up + ${LOAD.durationMs / 1000} s measured), by fleet speed and limit\n`,
);
const rows: string[][] = [];
const verdicts: [string, boolean, string][] = [];
let baseline = 0;
for (const scenario of SCENARIOS) {
  const instance = await startBenchMatchmaker({ scheduleMatching: true, allocationDelayMs: scenario.delayMs, maxConcurrentAllocations: scenario.limit });
  const clients = new LoadProcess<PlayerLoopsResult>(new URL("./support/player-loops.ts", import.meta.url), {
    ...LOAD,
    ports: [instance.app.servers.grpcPort],
    authorization: `Bearer ${await instance.token("service", "bench-allocation-limit")}`,
  } satisfies PlayerLoopsConfig);
  const result = await clients.next();
  await clients.exited();
  await instance.close();
  const limit = scenario.limit ?? 256;
  // What the fleet can place when every slot is always busy: limit / delay allocations per second.
  const fleetCapacity = scenario.delayMs === 0 ? Number.POSITIVE_INFINITY : (limit * 1000 * PLAYERS_PER_MATCH) / scenario.delayMs;
  if (scenario === BASELINE) baseline = result.playersPerSecond;
  const bound = Math.min(baseline, fleetCapacity);
  rows.push([
    scenario.label,
    formatNumber(result.playersPerSecond),
    Number.isFinite(fleetCapacity) ? formatNumber(fleetCapacity) : "unbounded",
    formatRatio(result.playersPerSecond / bound),
    `${formatNumber(instance.fleet.mostOpen)} (limit ${formatNumber(limit)})`,
    formatMs(result.latency.p50),
    formatMs(result.latency.p99),
    `${result.failures}${result.firstFailure === undefined ? "" : ` (${result.firstFailure})`}`,
  ]);
  verdicts.push([`${scenario.label}: at most ${limit} allocations open at the fleet`, instance.fleet.mostOpen <= limit, `${instance.fleet.mostOpen} at most`]);
  if (scenario !== BASELINE) {
    verdicts.push([
      `${scenario.label}: at least 0.8x of what the fleet or the baseline allows`,
      result.playersPerSecond >= 0.8 * bound,
      `${formatNumber(result.playersPerSecond)} of ${formatNumber(bound)} players/s`,
    ]);
  }
}
printTable(
  "Players per second, Enqueue to assignment received",
  ["scenario", "players/s", "fleet capacity (players/s)", "vs min(fleet, baseline)", "most allocations open", "p50", "p99", "failures"],
  rows,
);
process.stdout.write("\n");
for (const [target, met, detail] of verdicts) printVerdict(target, met, detail);
