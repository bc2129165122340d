/**
 * Benchmark 3: one matching pass over 10k, 100k and 1M waiting tickets in one queue, against sorting
 * the same number of skills in the same run. The pass is `findMatchesAmong` over the numbers a store
 * keeps for its waiting tickets, as every pass now matches (the store's copy of them is part of
 * opening the pass: benchmark 6, and section 8 of BENCHMARKS.md); beside it, `findMatches`, which
 * reads them from the ticket objects first, and the pass over the same tickets laid out in skill
 * order, whose every access is sequential: the growth of the work itself, without the cache misses.
 */
import { findMatches, findMatchesAmong } from "../src/domain/match-finder.ts";
import { MatchRecorder } from "../src/domain/formed-matches.ts";
import { WaitingColumnsReader, type WaitingColumns } from "../src/domain/waiting-columns.ts";
import type { MatchableTicket } from "../src/domain/match-finder.ts";
import { loadQueueConfigFile } from "../src/config/queue-config-file.ts";
import { formatMs, formatNumber, formatRatio, printTable, printVerdict } from "./support/report.ts";
import { seededRandom } from "../test/support/seeded-random.ts";
import { waitingTickets } from "./support/waiting-tickets.ts";

const SIZES = [10_000, 100_000, 1_000_000] as const;
const NOW = Date.UTC(2026, 0, 1);
const queues = loadQueueConfigFile("config/queues.json");
/** Where the timed passes keep their matches, pass after pass, as a matching loop does. */
const recorder = new MatchRecorder();
const budgets: Record<number, number> = { 100_000: 50, 1_000_000: 1_000 };

/**
 * The same tickets' numbers listed in skill order, with the same creation times handed out in that
 * order (the lowest skill the oldest): priority order, skill order and the listing then coincide,
 * and every access of a pass is sequential. Timed beside the real order so that each run tells the
 * growth of the work apart from what random access over arrays larger than the cache adds to it
 * (BENCHMARKS.md, section 3). A different queue, so its matches differ (they are printed beside:
 * the split holds where they are about the same); its size and skills do not.
 */
function skillOrdered<T extends MatchableTicket>(columns: WaitingColumns<T>): WaitingColumns<T> {
  const { skill, partySize, latencyMs, regions } = columns;
  const width = regions.length;
  const order = Int32Array.from(columns.tickets.keys()).sort((a, b) => skill[a]! - skill[b]!);
  const latencies = new Float64Array(latencyMs.length);
  order.forEach((from, to) => latencies.set(latencyMs.subarray(from * width, (from + 1) * width), to * width));
  return {
    tickets: Array.from(order, (from) => columns.tickets[from]!),
    regions,
    skill: Float64Array.from(order, (from) => skill[from]!),
    partySize: Int32Array.from(order, (from) => partySize[from]!),
    createdAt: Float64Array.from(columns.createdAt).sort(),
    latencyMs: latencies,
  };
}

/** Milliseconds of CPU time the main thread has used: unlike wall time, other processes' load barely moves it. */
function threadCpuMs(): number {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Best wall time and median main-thread CPU time of `repeat` runs of `work`, each on fresh input
 * from `prepare`. The best run is the one the machine's other load disturbed least.
 */
function timeIt<T>(repeat: number, prepare: () => T, work: (input: T) => void): { wall: number; cpu: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const input = prepare();
    const cpuStart = threadCpuMs();
    const start = performance.now();
    work(input);
    walls.push(performance.now() - start);
    cpus.push(threadCpuMs() - cpuStart);
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { wall: Math.min(...walls), cpu: median(cpus) };
}

process.stdout.write("\n## 3. Matching engine: one pass over n waiting tickets in one queue, vs sorting n skills\n");
const verdicts: [string, boolean, string][] = [];
for (const name of ["duel", "squads-5v5"]) {
  const queue = queues.find((candidate) => candidate.name === name)!;
  const rows: string[][] = [];
  let previous: { n: number; pass: number; sort: number; sequential: number } | undefined;
  for (const n of SIZES) {
    const tickets = waitingTickets(queue, n, NOW);
    // Best of several runs: the host's neighbours slow a memory-bound 1M pass by up to 1.7x for
    // minutes at a time.
    const repeat = n >= 1_000_000 ? 5 : 7;
    let matched = 0;
    // A pass reads the numbers its store keeps as tickets arrive (both stores do), not the ticket
    // objects: read here once, untimed. One untimed pass first, so the timed ones run optimised
    // code as a long-lived server would.
    const columns = new WaitingColumnsReader().read(
      queue.regions.map((region) => region.name),
      tickets,
    );
    findMatchesAmong(queue, columns, NOW, recorder);
    const passTime = timeIt(
      repeat,
      () => columns,
      (input) => {
        matched = findMatchesAmong(queue, input, NOW, recorder).length;
      },
    );
    // Beside it, the same pass reading the numbers from the ticket objects first (`findMatches`).
    const fromObjectsTime = timeIt(
      repeat,
      () => tickets,
      (input) => findMatches(queue, input, NOW),
    );
    // The same pass over the tickets laid out in skill order (every access sequential).
    const sequential = skillOrdered(columns);
    // Not the same queue (ages now follow skills), so not necessarily the same work: its matches are printed beside.
    const sequentialMatches = findMatchesAmong(queue, sequential, NOW, recorder).length;
    const sequentialTime = timeIt(
      repeat,
      () => sequential,
      (input) => findMatchesAmong(queue, input, NOW, recorder),
    );
    const random = seededRandom(n);
    const sortTime = timeIt(
      repeat,
      () => Float64Array.from({ length: n }, () => random()),
      (skills) => skills.sort(),
    );
    const pass = passTime.wall;
    const sort = sortTime.wall;
    const growth = previous === undefined ? "" : formatRatio(pass / previous.pass);
    const sequentialGrowth = previous === undefined ? "" : formatRatio(sequentialTime.wall / previous.sequential);
    const nLogNGrowth = previous === undefined ? "" : formatRatio((n * Math.log2(n)) / (previous.n * Math.log2(previous.n)));
    rows.push([
      formatNumber(n),
      formatNumber(matched),
      formatMs(pass),
      formatMs(passTime.cpu),
      formatMs(fromObjectsTime.wall),
      formatMs(sort),
      formatRatio(pass / sort),
      growth,
      nLogNGrowth,
      formatMs(sequentialTime.wall),
      formatNumber(sequentialMatches),
      sequentialGrowth,
    ]);
    const budget = budgets[n];
    if (budget !== undefined) verdicts.push([`${name} ${formatNumber(n)} in <= ${budget} ms`, pass <= budget, `${formatMs(pass)} best, ${formatMs(passTime.cpu)} CPU median`]);
    if (previous !== undefined) {
      const allowed = (n * Math.log2(n)) / (previous.n * Math.log2(previous.n));
      // Judged against n log n alone, as the target reads; the sort's own growth is printed beside
      // it because caches make both superlinear on a host whose cache the larger size outgrows.
      verdicts.push([
        `${name} growth ${formatNumber(previous.n)} -> ${formatNumber(n)} no worse than n log n`,
        pass / previous.pass <= allowed,
        `${formatRatio(pass / previous.pass)} (n log n ${formatRatio(allowed)}; the sort of as many skills grew ${formatRatio(sort / previous.sort)})`,
      ]);
    }
    previous = { n, pass, sort, sequential: sequentialTime.wall };
  }
  printTable(
    `The pass (findMatchesAmong), queue "${name}" (${queue.teamCount}x${queue.teamSize}, parties up to ${queue.maxPartySize}, ${queue.regions.length} regions)`,
    ["tickets", "matches", "pass (best)", "pass CPU (median)", "reading ticket objects too (best)", "sort n skills (best)", "pass/sort", "pass growth", "n log n growth", "skill-ordered input (best)", "its matches", "its growth"],
    rows,
  );
}
process.stdout.write("\n");
for (const [target, met, detail] of verdicts) printVerdict(target, met, detail);
