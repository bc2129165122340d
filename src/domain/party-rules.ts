import type { QueueConfig } from "./queue-config.ts";
import type { Player } from "./ticket.ts";

/** Why a party cannot join a queue, with the request field to blame. */
export interface PartyViolation {
  readonly field: string;
  readonly reason: string;
}

/**
 * Checks a party against a queue's rules before it becomes a ticket, so that every ticket in the
 * queue can eventually be matched: a party that fits no team or no region would wait until expiry.
 */
export function findPartyViolation(
  queue: QueueConfig,
  players: readonly Player[],
  latencyMs: Readonly<Record<string, number>>,
): PartyViolation | undefined {
  if (players.length > queue.maxPartySize) {
    return {
      field: "players",
      reason: `a party of ${players.length} is larger than queue "${queue.name}" allows (${queue.maxPartySize}); parties are never split across teams`,
    };
  }
  if (players.length < queue.minPartySize) {
    return {
      field: "players",
      reason: `a party of ${players.length} is smaller than queue "${queue.name}" allows (${queue.minPartySize})`,
    };
  }
  let reachable = false;
  for (const name of Object.keys(latencyMs)) {
    // A queue plays in a handful of regions: a scan, rather than a map of them built per party.
    const region = queue.regions.find((candidate) => candidate.name === name);
    if (region === undefined) {
      const names = queue.regions.map((r) => r.name).join(", ");
      return { field: `latency_ms["${name}"]`, reason: `unknown region; queue "${queue.name}" plays in: ${names}` };
    }
    if (latencyMs[name]! <= region.maxLatencyMs) reachable = true;
  }
  if (!reachable) {
    return {
      field: "latency_ms",
      reason: `every region is above its maximum latency (${queue.regions.map((r) => `${r.name} ${r.maxLatencyMs} ms`).join(", ")})`,
    };
  }
  return undefined;
}
