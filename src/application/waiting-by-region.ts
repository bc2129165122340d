import type { QueueConfig } from "../domain/queue-config.ts";
import type { MatchableTicket } from "../domain/match-finder.ts";
import { latencyColumnsOf, type WaitingColumns } from "../domain/waiting-columns.ts";

/** Waiting tickets of one region, as operators count them. */
export interface RegionWaiting {
  readonly region: string;
  readonly tickets: number;
  readonly players: number;
  /** Enqueue time of the oldest ticket; undefined when none wait. */
  readonly oldestCreatedAt: number | undefined;
}

/**
 * Splits a queue's waiting tickets by region. A ticket usually accepts several regions; it counts
 * once, in its lowest-latency one (the first configured on a tie), so the figures add up to the
 * queue's total and show where demand sits. Every configured region appears, in configuration
 * order, so a region that emptied reports zero instead of its last figure.
 *
 * Reads the pass's columns (see {@link WaitingColumns}) rather than the tickets, skipping those
 * `gone` marks with 1: the tickets the pass has placed.
 */
export function waitingByRegion<T extends MatchableTicket>(queue: QueueConfig, waiting: WaitingColumns<T>, gone?: Uint8Array): RegionWaiting[] {
  const regionCount = queue.regions.length;
  const width = waiting.regions.length;
  const columnOf = latencyColumnsOf(waiting, queue.regions);
  const tickets = new Float64Array(regionCount);
  const players = new Float64Array(regionCount);
  const oldest = new Float64Array(regionCount).fill(Infinity);
  const { partySize, createdAt, latencyMs } = waiting;
  for (let i = 0; i < waiting.tickets.length; i++) {
    if (gone !== undefined && gone[i] === 1) continue;
    let home = -1;
    let homeLatency = Infinity;
    for (let r = 0; r < regionCount; r++) {
      const column = columnOf[r]!;
      // NaN (no latency to the region) is never lower.
      const latency = column < 0 ? Number.NaN : latencyMs[i * width + column]!;
      if (latency < homeLatency) {
        home = r;
        homeLatency = latency;
      }
    }
    if (home === -1) continue;
    tickets[home]!++;
    players[home]! += partySize[i]!;
    oldest[home] = Math.min(oldest[home]!, createdAt[i]!);
  }
  return queue.regions.map((region, r) => ({
    region: region.name,
    tickets: tickets[r]!,
    players: players[r]!,
    oldestCreatedAt: tickets[r] === 0 ? undefined : oldest[r]!,
  }));
}
