/**
 * Benchmark 7: players per second end to end when the fleet is slow or the limit on concurrent
 * allocations is low, against the same matchmaker with a fleet that answers at once (baseline), in
 * the same run. Shows what the limit costs in throughput, and that the fleet never sees more open
 * allocations than the limit.
 */
import { LONGEST_LINE_PER_SLOT } from "../src/application/match-placement.ts";
import { SETTING_DEFAULTS } from "../src/config/server-settings.ts";
import { startBenchMatchmaker, type BenchMatchmaker } from "./support/bench-matchmaker.ts";
import { LoadProcess } from "./support/child-process.ts";
import type { PlayerLoopsConfig, PlayerLoopsResult } from "./support/player-loops.ts";
import { formatMs, formatNumber, formatRatio, printTable, printVerdict } from "./support/report.ts";
import { scrape } from "../test/support/prometheus-text.ts";

const LOAD = { connectionsPerInstance: 4, warmupMs: 2_000, durationMs: 5_000, players: 1_000 } as const;
/** Queue "duel": two players per match. */
const PLAYERS_PER_MATCH = 2;

/** Runs the player loops against `instance` and returns what they measured once they are done. */
async function playAgainst(instance: BenchMatchmaker): Promise<PlayerLoopsResult> {
  const clients = new LoadProcess<PlayerLoopsResult>(new URL("./support/player-loops.ts", import.meta.url), {
    ...LOAD,
    ports: [instance.app.servers.grpcPort],
    authorization: `Bearer ${await instance.token("service", "bench-allocation-limit")}`,
  } satisfies PlayerLoopsConfig);
  const result = await clients.next();
  await clients.exited();
  return result;
}

interface Scenario {
  readonly label: string;
  /** How long the fleet takes per allocation. */
  readonly delayMs: number;
  /** The limit on concurrent allocations; the matchmaker's default when undefined. */
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
  const result = await playAgainst(instance);
  await instance.close();
  const limit = scenario.limit ?? SETTING_DEFAULTS.maxConcurrentAllocations;
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

/**
 * A fleet that answers in 5 ms, then in 1 s from one second into the measured run, all at once: the
 * line must shrink as soon as the fleet goes silent, and what it already held may at most time out in
 * line (a short allocation timeout, 4 s, so that happens within the run).
 */
const SLOWDOWN = { fastMs: 5, slowMs: 1_000, limit: 16, allocationTimeoutMs: 4_000, slowFromMs: LOAD.warmupMs + 1_000 } as const;
{
  const instance = await startBenchMatchmaker({
    scheduleMatching: true,
    allocationDelayMs: SLOWDOWN.fastMs,
    maxConcurrentAllocations: SLOWDOWN.limit,
    allocationTimeoutMs: SLOWDOWN.allocationTimeoutMs,
  });
  const metricsUrl = `http://127.0.0.1:${instance.app.servers.httpPort}/metrics`;
  const playing = playAgainst(instance);
  const startedAt = performance.now();
  let slowedAt: number | undefined;
  const held = { before: 0, after: 0, last: 0 };
  // Matches held at each sample after the slowdown, by time since it.
  const heldAfter: { sinceMs: number; value: number }[] = [];
  const sampling = setInterval(() => {
    void scrape(metricsUrl).then((samples) => {
      const now = performance.now();
      if (slowedAt === undefined && now - startedAt >= SLOWDOWN.slowFromMs) {
        instance.fleet.delayMs = SLOWDOWN.slowMs;
        slowedAt = now;
      }
      const value = samples.get("matchmaker_fleet_matches_held", { fleet: "bench" }) ?? 0;
      held.last = value;
      if (slowedAt === undefined) held.before = Math.max(held.before, value);
      else {
        held.after = Math.max(held.after, value);
        heldAfter.push({ sinceMs: now - slowedAt, value });
      }
    });
  }, 50);
  const result = await playing;
  clearInterval(sampling);
  // Shrunk: no more than the slots and a line of what they start in two ticks at 1 s an answer, from
  // then on to the end of the run (held rises and falls with every tick, so one low sample says little).
  const lastAbove = heldAfter.findLastIndex((sample) => sample.value > 2 * SLOWDOWN.limit);
  const shrunkFromMs = heldAfter[lastAbove + 1]?.sinceMs;
  const samples = await scrape(metricsUrl);
  await instance.close();
  const notStarted = (samples.get("matchmaker_tickets_requeued_total", { queue: "duel", reason: "allocation_not_started" }) ?? 0) / PLAYERS_PER_MATCH;
  printTable(
    `Fleet answering in ${SLOWDOWN.fastMs} ms, then in ${formatNumber(SLOWDOWN.slowMs)} ms from ${SLOWDOWN.slowFromMs / 1000} s in (limit ${SLOWDOWN.limit}, allocation timeout ${SLOWDOWN.allocationTimeoutMs / 1000} s)`,
    ["players/s", "most allocations open", "most matches held, before / after the slowdown", "held at the end", "back to the queue without reaching the fleet", "p99"],
    [
      [
        formatNumber(result.playersPerSecond),
        `${formatNumber(instance.fleet.mostOpen)} (limit ${SLOWDOWN.limit})`,
        `${formatNumber(held.before)} / ${formatNumber(held.after)}`,
        `${formatNumber(held.last)}${shrunkFromMs === undefined ? "" : ` (<= ${2 * SLOWDOWN.limit} from ${formatMs(shrunkFromMs)} after the slowdown)`}`,
        `${formatNumber(notStarted)} matches`,
        formatMs(result.latency.p99),
      ],
    ],
  );
  verdicts.push([`slowdown: at most ${SLOWDOWN.limit} allocations open at the fleet`, instance.fleet.mostOpen <= SLOWDOWN.limit, `${instance.fleet.mostOpen} at most`]);
  const longestLine = LONGEST_LINE_PER_SLOT * SLOWDOWN.limit;
  verdicts.push([
    `slowdown: no more matches back to the queue unstarted than the longest line (${longestLine})`,
    notStarted <= longestLine,
    `${formatNumber(notStarted)} matches`,
  ]);
}
process.stdout.write("\n");
for (const [target, met, detail] of verdicts) printVerdict(target, met, detail);
