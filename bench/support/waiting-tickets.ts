import type { MatchableTicket } from "../../src/domain/match-finder.ts";
import type { QueueConfig } from "../../src/domain/queue-config.ts";
import { seededRandom } from "../../test/support/seeded-random.ts";

/**
 * `count` tickets waiting in `queue` at time `now`: skills roughly normal around 1500, waits up to
 * two minutes, parties up to the queue's maximum (mostly solo), latencies to every region spread
 * so that some regions are out of reach for some tickets. Oldest first, as the in-memory store
 * lists them (in enqueue order).
 */
export function waitingTickets(queue: QueueConfig, count: number, now: number, seed = 1): MatchableTicket[] {
  const random = seededRandom(seed);
  const tickets: MatchableTicket[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const partySize = queue.maxPartySize === 1 || random() < 0.6 ? 1 : 1 + Math.floor(random() * queue.maxPartySize);
    const players = Array.from({ length: partySize }, (_, k) => ({
      userId: `u${i}-${k}`,
      skill: Math.max(0, 1500 + 300 * (random() + random() + random() - 1.5) * 2),
    }));
    const latencyMs: Record<string, number> = {};
    for (const region of queue.regions) latencyMs[region.name] = Math.round(10 + random() * 150);
    tickets[i] = { id: `t${i}`, players, latencyMs, createdAt: now - 120_000 + Math.floor((i * 120_000) / count) };
  }
  return tickets;
}
