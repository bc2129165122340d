import type { QueueConfig } from "../domain/queue-config.ts";
import type { WaitingTicket } from "../domain/ticket.ts";

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
 */
export function waitingByRegion(queue: QueueConfig, waiting: readonly WaitingTicket[]): RegionWaiting[] {
  const totals = new Map(queue.regions.map((region) => [region.name, { tickets: 0, players: 0, oldest: Infinity }]));
  for (const ticket of waiting) {
    const home = homeRegion(queue, ticket);
    const total = home === undefined ? undefined : totals.get(home);
    if (total === undefined) continue;
    total.tickets++;
    total.players += ticket.players.length;
    total.oldest = Math.min(total.oldest, ticket.createdAt);
  }
  return [...totals].map(([region, total]) => ({
    region,
    tickets: total.tickets,
    players: total.players,
    oldestCreatedAt: total.tickets === 0 ? undefined : total.oldest,
  }));
}

function homeRegion(queue: QueueConfig, ticket: WaitingTicket): string | undefined {
  let best: string | undefined;
  let bestLatency = Infinity;
  for (const region of queue.regions) {
    const latency = ticket.latencyMs[region.name];
    if (latency !== undefined && latency < bestLatency) {
      best = region.name;
      bestLatency = latency;
    }
  }
  return best;
}
