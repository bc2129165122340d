/**
 * Benchmark 8: one whole matching pass over a long queue as the matching loop runs it
 * (`QueueMatcher.runPass` with the in-memory store: open the pass, match, claim what placement has
 * room for and hand it to placement, then count who is left by region and record queue positions),
 * against the matching alone over the same tickets in the same run (`findMatchesAmong` over the
 * numbers the store keeps, as the pass matches them). The difference is what a pass costs beyond
 * matching: every tick pays it on the event loop that also serves Enqueue and WatchTicket.
 */
import { findMatchesAmong } from "../src/domain/match-finder.ts";
import { MatchRecorder } from "../src/domain/formed-matches.ts";
import { WaitingColumnsReader } from "../src/domain/waiting-columns.ts";
import { loadQueueConfigFile } from "../src/config/queue-config-file.ts";
import type { QueueConfig } from "../src/domain/queue-config.ts";
import type { Ticket } from "../src/domain/ticket.ts";
import { applicationHarness } from "../test/support/application-harness.ts";
import { formatMs, formatNumber, formatRatio, printTable } from "./support/report.ts";
import { median } from "./support/unary-comparison.ts";
import { waitingTickets } from "./support/waiting-tickets.ts";

const SIZES = [10_000, 100_000] as const;
const REPEAT = 11;
const NOW = Date.UTC(2026, 0, 1);
const queues = loadQueueConfigFile("config/queues.json");
/** Where the matching alone keeps its matches, pass after pass, as a matching loop does. */
const recorder = new MatchRecorder();

/** `count` tickets waiting in `queue` at `NOW`, as the store keeps them. */
function queuedTickets(queue: QueueConfig, count: number): Ticket[] {
  return waitingTickets(queue, count, NOW).map((waiting) => ({
    ...waiting,
    queue: queue.name,
    state: "queued",
    partyId: "",
    expiresAt: NOW + 3_600_000,
    updatedAt: waiting.createdAt,
    version: 1,
  }));
}

/**
 * A harness whose store holds `tickets`, its clock at `NOW`. The tickets are made once per size and
 * shared by every run (a store replaces a ticket rather than change it), so that making them leaves
 * no garbage for a timed pass to collect.
 */
async function harnessWithWaiting(queue: QueueConfig, tickets: readonly Ticket[]) {
  const harness = applicationHarness([queue]);
  harness.clock.advance(NOW - harness.clock.now());
  for (const ticket of tickets) await harness.store.create(ticket);
  return harness;
}

process.stdout.write("\n## 8. A whole matching pass (in-memory store) vs the matching alone over the same tickets\n");
// Warm-up, untimed: both paths run optimised code in the timed runs, as in a long-lived server.
for (const queue of queues.filter((candidate) => candidate.name === "duel")) {
  const harness = await harnessWithWaiting(queue, queuedTickets(queue, 10_000));
  await harness.pass(queue.name);
}
const rows: string[][] = [];
for (const name of ["duel", "squads-5v5"]) {
  const queue = queues.find((candidate) => candidate.name === name)!;
  for (const n of SIZES) {
    const tickets = queuedTickets(queue, n);
    const columns = new WaitingColumnsReader().read(
      queue.regions.map((region) => region.name),
      tickets,
    );
    const alone: number[] = [];
    for (let run = 0; run < REPEAT; run++) {
      const startedAt = performance.now();
      findMatchesAmong(queue, columns, NOW, recorder);
      alone.push(performance.now() - startedAt);
    }
    const whole: number[] = [];
    let claimed = 0;
    for (let run = 0; run < REPEAT; run++) {
      const harness = await harnessWithWaiting(queue, tickets);
      // The fleet answers once the pass is over, so the pass claims what placement lines up for a
      // fleet that has not answered yet (as in a busy server) and runs none of the placements.
      let answer = (): void => {};
      harness.fleet.gate = new Promise<void>((resolve) => (answer = resolve));
      // A moment for the collector's background work on the setup's garbage, which would otherwise
      // compete with the timed pass for the two cores.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const startedAt = performance.now();
      const summary = await harness.passWithoutPlacing(queue.name);
      whole.push(performance.now() - startedAt);
      claimed = summary.matches;
      answer();
      await harness.placement.drain();
    }
    const passMs = median(whole);
    const aloneMs = median(alone);
    rows.push([name, formatNumber(n), formatNumber(claimed), formatMs(aloneMs), formatMs(passMs), formatMs(passMs - aloneMs), formatRatio(passMs / aloneMs)]);
  }
}
printTable(
  `Medians of ${REPEAT} runs, wall time; each whole pass on a store freshly filled with n tickets`,
  ["queue", "tickets", "matches claimed", "matching alone", "whole pass", "beyond matching", "whole / alone"],
  rows,
);
