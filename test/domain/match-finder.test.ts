import { describe, expect, it } from "vitest";
import { findMatches, findMatchesAmong, type MatchableTicket, type ProposedMatch } from "../../src/domain/match-finder.ts";
import { MatchRecorder } from "../../src/domain/formed-matches.ts";
import { WaitingColumnsReader } from "../../src/domain/waiting-columns.ts";
import { latencyLimitAfter, skillWindowAfter, type QueueConfig } from "../../src/domain/queue-config.ts";
import { partySkill } from "../../src/domain/ticket.ts";
import { matchesOf, queueConfig, waiting } from "../support/queue-fixtures.ts";
import { seededRandom } from "../support/seeded-random.ts";

const ids = (match: ProposedMatch<MatchableTicket>) => match.tickets.map((ticket) => ticket.id).sort();

describe("findMatches", () => {
  it("pairs two close players in a 1v1", () => {
    const queue = queueConfig();
    const matches = matchesOf(queue, [waiting(1000, { id: "a" }), waiting(1050, { id: "b" })], 0);
    expect(matches).toHaveLength(1);
    expect(ids(matches[0]!)).toEqual(["a", "b"]);
    expect(matches[0]!.region).toBe("eu-west");
    expect(matches[0]!.skillSpread).toBe(50);
  });

  it("makes a lone outlier wait until both windows have widened enough", () => {
    const queue = queueConfig({ skillWindow: { initial: 100, perSecond: 10, max: 1000 } });
    const tickets = [waiting(1000, { id: "a", createdAt: 0 }), waiting(1500, { id: "outlier", createdAt: 0 })];
    // Windows are 100 wide at first and reach 500 after 40 s.
    expect(matchesOf(queue, tickets, 0)).toEqual([]);
    expect(matchesOf(queue, tickets, 39_000)).toEqual([]);
    expect(matchesOf(queue, tickets, 40_000)).toHaveLength(1);
  });

  it("requires the gap to fit every ticket's window, not only the older one's", () => {
    const queue = queueConfig();
    const old = waiting(1000, { id: "old", createdAt: 0 });
    const fresh = waiting(1300, { id: "fresh", createdAt: 60_000 });
    // At 60 s the old ticket's window is 700 but the fresh one's is still 100.
    expect(matchesOf(queue, [old, fresh], 60_000)).toEqual([]);
    // 20 s later the fresh window is 300.
    expect(matchesOf(queue, [old, fresh], 80_000)).toHaveLength(1);
  });

  it("stops widening at the configured cap", () => {
    const queue = queueConfig({ skillWindow: { initial: 100, perSecond: 100, max: 300 } });
    expect(skillWindowAfter(queue, 3_600_000)).toBe(300);
    const tickets = [waiting(1000, { createdAt: 0 }), waiting(1400, { createdAt: 0 })];
    expect(matchesOf(queue, tickets, 3_600_000)).toEqual([]);
  });

  it("gives the longest-waiting ticket priority", () => {
    const queue = queueConfig();
    const tickets = [
      waiting(1000, { id: "newest", createdAt: 3_000 }),
      waiting(1000, { id: "oldest", createdAt: 1_000 }),
      waiting(1000, { id: "middle", createdAt: 2_000 }),
    ];
    const matches = matchesOf(queue, tickets, 4_000);
    expect(matches).toHaveLength(1);
    expect(ids(matches[0]!)).toContain("oldest");
    expect(matches[0]!.longestWaitMs).toBe(3_000);
  });

  it("hands out its matches by index: regions without building them, matches on demand, in the order formed", () => {
    const queue = queueConfig();
    const tickets = [
      waiting(1000, { id: "a", createdAt: 0, latency: { "us-east": 20 } }),
      waiting(1010, { id: "b", createdAt: 1, latency: { "us-east": 20 } }),
      waiting(2000, { id: "c", createdAt: 2 }),
      waiting(2010, { id: "d", createdAt: 3 }),
    ];
    const formed = findMatches(queue, tickets, 0);
    expect(formed.length).toBe(2);
    expect([formed.regionOf(0), formed.regionOf(1)]).toEqual(["us-east", "eu-west"]);
    expect(ids(formed.at(1))).toEqual(["c", "d"]);
    expect([...formed].map(ids)).toEqual([["a", "b"], ["c", "d"]]);
    expect(() => formed.at(2)).toThrow(RangeError);
    expect(() => formed.regionOf(-1)).toThrow(RangeError);
    // Positions in the input, in member order, agreeing with the view.
    expect([...formed.ticketIndices(0)]).toEqual(formed.at(0).tickets.map((ticket) => tickets.indexOf(ticket)));
    expect([...formed.ticketIndices(1)].sort()).toEqual([2, 3]);
    expect(() => formed.ticketIndices(2)).toThrow(RangeError);
    // Counts by region of the matches from an index on, regions without any left out.
    expect(formed.regions).toEqual(["eu-west", "us-east"]);
    expect(formed.regionCounts(0)).toEqual(new Map([["eu-west", 1], ["us-east", 1]]));
    expect(formed.regionCounts(1)).toEqual(new Map([["eu-west", 1]]));
    expect(formed.regionCounts(2).size).toBe(0);
  });

  it("keeps a pass's matches intact through the passes after it (they share scratch, not results)", () => {
    const queue = queueConfig();
    const first = findMatches(queue, [waiting(1000, { id: "a", latency: { "us-east": 20 } }), waiting(1005, { id: "b", latency: { "us-east": 20 } })], 0);
    findMatches(queue, [waiting(2000, { id: "x" }), waiting(2001, { id: "y" }), waiting(2002, { id: "z" }), waiting(2003, { id: "w" })], 0);
    expect(first.length).toBe(1);
    expect(first.regionOf(0)).toBe("us-east");
    expect(ids(first.at(0))).toEqual(["a", "b"]);
    expect(first.at(0).skillSpread).toBe(5);
  });

  it("takes tickets created in the same millisecond in the order given, whatever their ids", () => {
    const queue = queueConfig();
    // The first one listed anchors and takes the closer of the other two.
    const [low, middle, high] = [waiting(1000, { id: "a", createdAt: 0 }), waiting(1010, { id: "b", createdAt: 0 }), waiting(1020, { id: "c", createdAt: 0 })];
    expect(matchesOf(queue, [high, low, middle], 0).map(ids)).toEqual([["b", "c"]]);
    expect(matchesOf(queue, [low, high, middle], 0).map(ids)).toEqual([["a", "b"]]);
  });

  it("matches everyone when all skills are equal, with perfectly even teams", () => {
    const queue = queueConfig({ teamCount: 2, teamSize: 5, maxPartySize: 5 });
    const tickets = Array.from({ length: 30 }, () => waiting(1500));
    const matches = matchesOf(queue, tickets, 0);
    expect(matches).toHaveLength(3);
    for (const match of matches) expect(match.teamImbalance).toBe(0);
  });

  it("balances teams on skill", () => {
    const queue = queueConfig({ teamSize: 2, skillWindow: { initial: 500, perSecond: 0, max: 500 } });
    const tickets = [waiting(1000), waiting(1100), waiting(1200), waiting(1300)];
    const [match] = matchesOf(queue, tickets, 0);
    const teamSkills = match!.teams.map((team) => team.map((t) => t.players[0]!.skill).sort());
    expect(teamSkills.map((skills) => skills.reduce((a, b) => a + b, 0))).toEqual([2300, 2300]);
    expect(match!.teamImbalance).toBe(0);
  });

  it("keeps parties whole and on one team", () => {
    const queue = queueConfig({ teamSize: 5, maxPartySize: 5, skillWindow: { initial: 1000, perSecond: 0, max: 1000 } });
    const tickets = [
      waiting([1000, 1010, 1020], { id: "trio" }),
      waiting([1000, 1000], { id: "duo" }),
      waiting([1000, 1000, 1000, 1000], { id: "quad" }),
      waiting(1000, { id: "solo" }),
    ];
    const [match] = matchesOf(queue, tickets, 0);
    expect(match).toBeDefined();
    for (const team of match!.teams) {
      expect(team.reduce((seats, ticket) => seats + ticket.players.length, 0)).toBe(5);
    }
    const teamOf = (id: string) => match!.teams.findIndex((team) => team.some((ticket) => ticket.id === id));
    expect(teamOf("trio")).toBe(teamOf("duo"));
    expect(teamOf("quad")).toBe(teamOf("solo"));
  });

  it("does not form a match when the parties cannot fill the teams exactly", () => {
    const queue = queueConfig({ teamSize: 3, maxPartySize: 3, skillWindow: { initial: 1000, perSecond: 0, max: 1000 } });
    // 2+2+2 = 6 seats, but no team of 3 can hold two duos.
    const tickets = [waiting([1000, 1000]), waiting([1000, 1000]), waiting([1000, 1000])];
    expect(matchesOf(queue, tickets, 0)).toEqual([]);
  });

  it("forms free-for-all matches of N teams of one", () => {
    const queue = queueConfig({ name: "ffa", teamCount: 8, teamSize: 1 });
    const tickets = Array.from({ length: 17 }, (_, i) => waiting(1000 + i));
    const matches = matchesOf(queue, tickets, 0);
    expect(matches).toHaveLength(2);
    for (const match of matches) expect(match.teams.every((team) => team.length === 1)).toBe(true);
  });

  it("only matches tickets that share a region within their latency limits", () => {
    const queue = queueConfig({ latency: { initialMs: 50, perSecondMs: 10 } });
    const eu = waiting(1000, { id: "eu", latency: { "eu-west": 20, "us-east": 140 } });
    const us = waiting(1000, { id: "us", latency: { "us-east": 20 } });
    expect(matchesOf(queue, [eu, us], 0)).toEqual([]);
    // After 9 s the limit is 140 ms: the EU player accepts us-east.
    const [match] = matchesOf(queue, [eu, us], 9_000);
    expect(match!.region).toBe("us-east");
    expect(latencyLimitAfter(queue, queue.regions[1]!, 3_600_000)).toBe(150);
  });

  it("prefers the anchor's lowest-latency region", () => {
    const queue = queueConfig();
    const a = waiting(1000, { latency: { "eu-west": 100, "us-east": 10 }, createdAt: 0 });
    const b = waiting(1000, { latency: { "eu-west": 10, "us-east": 100 }, createdAt: 1 });
    expect(matchesOf(queue, [a, b], 10)[0]!.region).toBe("us-east");
  });

  it("matches over columns read once for more regions than the rules, in the rules' regions only", () => {
    const rules = queueConfig({ regions: [{ name: "us-east", maxLatencyMs: 150 }] });
    const tickets = [
      waiting(1000, { id: "a", latency: { "eu-west": 10 } }),
      waiting(1000, { id: "b", latency: { "eu-west": 10 } }),
      waiting(1000, { id: "c", latency: { "ap-south": 10, "us-east": 90 } }),
      waiting(1000, { id: "d", latency: { "us-east": 90 } }),
    ];
    // Read for every configured region, as the matching loop reads them before leaving a paused
    // one out: the rules' one region is the columns' third.
    const columns = new WaitingColumnsReader().read(["eu-west", "ap-south", "us-east"], tickets);
    expect([...columns.latencyMs.subarray(6, 9)]).toEqual([Number.NaN, 10, 90]);
    expect([...columns.partySize]).toEqual([1, 1, 1, 1]);
    const matches = [...findMatchesAmong(rules, columns, 0, new MatchRecorder())];
    expect(matches.map((match) => [match.region, ids(match)])).toEqual([["us-east", ["c", "d"]]]);
    // The same tickets through `findMatches` match the same way.
    expect([...findMatches(rules, tickets, 0)].map(ids)).toEqual([["c", "d"]]);
  });

  it("works with a single region", () => {
    const queue = queueConfig({ regions: [{ name: "eu-west", maxLatencyMs: 80 }] });
    const matches = matchesOf(queue, [waiting(1000), waiting(1000), waiting(1000)], 0);
    expect(matches).toHaveLength(1);
  });

  it("holds every rule on a large random queue and never uses a ticket twice", () => {
    const queue = queueConfig({
      teamCount: 2,
      teamSize: 4,
      maxPartySize: 3,
      regions: [
        { name: "eu-west", maxLatencyMs: 120 },
        { name: "us-east", maxLatencyMs: 120 },
        { name: "ap-south", maxLatencyMs: 120 },
      ],
      skillWindow: { initial: 50, perSecond: 5, max: 400 },
      latency: { initialMs: 60, perSecondMs: 2 },
    });
    const random = seededRandom(42);
    const regionNames = queue.regions.map((region) => region.name);
    const tickets = Array.from({ length: 3_000 }, (_, i) => {
      const size = 1 + Math.floor(random() * 3);
      const latency: Record<string, number> = {};
      for (const name of regionNames) if (random() < 0.6) latency[name] = Math.floor(random() * 130);
      if (Object.keys(latency).length === 0) latency["eu-west"] = 30;
      return waiting(
        Array.from({ length: size }, () => 1500 + (random() - 0.5) * 1000),
        { id: `r${i}`, createdAt: Math.floor(random() * 60_000), latency },
      );
    });
    const now = 60_000;
    const matches = matchesOf(queue, tickets, now);
    expect(matches.length).toBeGreaterThan(100);
    const seen = new Set<string>();
    for (const match of matches) {
      checkMatchRules(queue, match, now);
      for (const ticket of match.tickets) {
        expect(seen.has(ticket.id)).toBe(false);
        seen.add(ticket.id);
      }
    }
  });
});

function checkMatchRules(queue: QueueConfig, match: ProposedMatch<MatchableTicket>, now: number): void {
  const region = queue.regions.find((r) => r.name === match.region)!;
  for (const team of match.teams) {
    expect(team.reduce((seats, ticket) => seats + ticket.players.length, 0)).toBe(queue.teamSize);
  }
  for (const a of match.tickets) {
    const latency = a.latencyMs[match.region];
    expect(latency).toBeDefined();
    expect(latency!).toBeLessThanOrEqual(latencyLimitAfter(queue, region, now - a.createdAt));
    const window = skillWindowAfter(queue, now - a.createdAt);
    for (const b of match.tickets) {
      expect(Math.abs(partySkill(b.players) - partySkill(a.players))).toBeLessThanOrEqual(window + 1e-9);
    }
  }
}
