import { describe, expect, it } from "vitest";
import { MatchRecorder, StaleMatchesError } from "../../src/domain/formed-matches.ts";
import { findMatches, findMatchesAmong, type MatchableTicket, type ProposedMatch } from "../../src/domain/match-finder.ts";
import { WaitingColumnsReader } from "../../src/domain/waiting-columns.ts";
import { queueConfig, waiting } from "../support/queue-fixtures.ts";
import { seededRandom } from "../support/seeded-random.ts";

const queue = queueConfig({ teamCount: 2, teamSize: 2, maxPartySize: 2 });
const regions = queue.regions.map((region) => region.name);

function crowd(count: number, seed: number): MatchableTicket[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) =>
    waiting(random() < 0.3 ? [1000 + 400 * random(), 1000 + 400 * random()] : 1000 + 400 * random(), {
      id: `s${seed}-${i}`,
      createdAt: Math.floor(random() * 30_000),
      latency: { "eu-west": 20 + 100 * random(), "us-east": 20 + 100 * random() },
    }),
  );
}

const described = (match: ProposedMatch<MatchableTicket>) => ({
  region: match.region,
  teams: match.teams.map((team) => team.map((ticket) => ticket.id)),
  skillSpread: match.skillSpread,
  teamImbalance: match.teamImbalance,
  longestWaitMs: match.longestWaitMs,
});

describe("MatchRecorder", () => {
  it("keeps a pass's matches readable until its next pass, then refuses to read them", () => {
    const recorder = new MatchRecorder();
    const first = findMatchesAmong(queue, new WaitingColumnsReader().read(regions, crowd(400, 1)), 60_000, recorder);
    expect(first.length).toBeGreaterThan(20);
    const firstSeen = [...first].map(described);
    // Read again before the next pass: unchanged.
    expect([...first].map(described)).toEqual(firstSeen);

    findMatchesAmong(queue, new WaitingColumnsReader().read(regions, crowd(300, 2)), 60_000, recorder);
    expect(() => first.length).toThrow(StaleMatchesError);
    expect(() => first.at(0)).toThrow(StaleMatchesError);
    expect(() => first.regionOf(0)).toThrow(StaleMatchesError);
    expect(() => first.ticketIndices(0)).toThrow(StaleMatchesError);
    expect(() => first.regionCounts(0)).toThrow(StaleMatchesError);
  });

  it("leaves nothing of one pass in the next: a reused recorder gives what a fresh one gives", () => {
    const reused = new MatchRecorder();
    // A large pass first, so the second, smaller one runs over arrays holding older matches.
    findMatchesAmong(queue, new WaitingColumnsReader().read(regions, crowd(2_000, 3)), 60_000, reused);
    const tickets = crowd(500, 4);
    const again = findMatchesAmong(queue, new WaitingColumnsReader().read(regions, tickets), 60_000, reused);
    const fresh = findMatches(queue, tickets, 60_000);
    expect(again.length).toBe(fresh.length);
    expect([...again].map(described)).toEqual([...fresh].map(described));
  });

  it("keeps the matches of different recorders apart", () => {
    const one = new MatchRecorder();
    const other = new MatchRecorder();
    const tickets = crowd(400, 5);
    const mine = findMatchesAmong(queue, new WaitingColumnsReader().read(regions, tickets), 60_000, one);
    const before = [...mine].map(described);
    findMatchesAmong(queue, new WaitingColumnsReader().read(regions, crowd(400, 6)), 60_000, other);
    expect([...mine].map(described)).toEqual(before);
  });
});
