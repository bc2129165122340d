import type { QueueConfig } from "../../src/domain/queue-config.ts";
import { findMatches, type MatchableTicket, type ProposedMatch } from "../../src/domain/match-finder.ts";

/** A queue with generous defaults that individual tests narrow down. */
export function queueConfig(overrides: Partial<QueueConfig> = {}): QueueConfig {
  return {
    name: "duel",
    description: "",
    teamCount: 2,
    teamSize: 1,
    minPartySize: 1,
    maxPartySize: 1,
    regions: [
      { name: "eu-west", maxLatencyMs: 150 },
      { name: "us-east", maxLatencyMs: 150 },
    ],
    skillWindow: { initial: 100, perSecond: 10, max: 1000 },
    latency: { initialMs: 150, perSecondMs: 0 },
    ticketTtlMs: 600_000,
    tickIntervalMs: 1_000,
    ...overrides,
  };
}

let sequence = 0;

/** A waiting ticket; `skills` gives one player per entry. */
export function waiting(skills: number | readonly number[], options: { createdAt?: number; latency?: Record<string, number>; id?: string } = {}): MatchableTicket {
  const list = typeof skills === "number" ? [skills] : skills;
  const id = options.id ?? `t${++sequence}`;
  return {
    id,
    players: list.map((skill, index) => ({ userId: `${id}-p${index}`, skill })),
    latencyMs: options.latency ?? { "eu-west": 20 },
    createdAt: options.createdAt ?? 0,
  };
}

/** A pass's matches as an array, for assertions (`findMatches` hands them out by index). */
export function matchesOf<T extends MatchableTicket>(queue: QueueConfig, tickets: readonly T[], now: number): ProposedMatch<T>[] {
  return [...findMatches(queue, tickets, now)];
}
