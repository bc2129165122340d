import { describe, expect, it } from "vitest";
import type { MatchableTicket } from "../../src/domain/match-finder.ts";
import { matchesOf, queueConfig, waiting } from "../support/queue-fixtures.ts";

/**
 * A 5v5 where the oldest ticket, a party of four at skill 1000, needs the one solo player: a party of
 * five joins first (distance 0), then every candidate is a party of four, turned down for its size,
 * at distances 1, 2, 3... below and 1.5, 2.5, 3.5... above, until the solo at `soloSkill`. A scan
 * examines 16 candidates per seat plus 64: 224 here, the party of five included.
 */
function crowdedByParties(soloSkill: number): MatchableTicket[] {
  const four = (skill: number, id: string) => waiting([skill, skill, skill, skill], { id, createdAt: 500 });
  return [
    waiting([1000, 1000, 1000, 1000], { id: "anchor", createdAt: 0 }),
    waiting([1000, 1000, 1000, 1000, 1000], { id: "five", createdAt: 500 }),
    ...Array.from({ length: 150 }, (_, k) => four(1000 - (k + 1), `below-${k + 1}`)),
    ...Array.from({ length: 150 }, (_, k) => four(1000 + k + 1.5, `above-${k + 1}`)),
    waiting(soloSkill, { id: "solo", createdAt: 500 }),
  ];
}

const queue = queueConfig({
  teamSize: 5,
  maxPartySize: 5,
  regions: [{ name: "eu-west", maxLatencyMs: 150 }],
  skillWindow: { initial: 1000, perSecond: 0, max: 1000 },
});

function anchorMatch(soloSkill: number): string[] | undefined {
  const match = matchesOf(queue, crowdedByParties(soloSkill), 1_000).find((candidate) => candidate.tickets.some((ticket) => ticket.id === "anchor"));
  return match?.tickets.map((ticket) => ticket.id).sort();
}

describe("findMatches scan limit among parties turned down for their size", () => {
  it("reaches a solo that is the 224th candidate examined, on either side", () => {
    // Above at 111.6: 111 below (up to 111) and 111 above (up to 111.5) come first, plus the five.
    expect(anchorMatch(1000 + 111.6)).toEqual(["anchor", "five", "solo"]);
    // Below at 111.6: 111 below (closer) and 111 above (up to 111.5, strictly closer) come first.
    expect(anchorMatch(1000 - 111.6)).toEqual(["anchor", "five", "solo"]);
  });

  it("stops before a solo that would be the 225th", () => {
    expect(anchorMatch(1000 + 112.25)).toBeUndefined();
    expect(anchorMatch(1000 - 112.4)).toBeUndefined();
  });

  it("examines the lower candidate first when two are equally far", () => {
    // Above at 112: the party of four below at 112 is as close and comes first, making the solo 225th.
    expect(anchorMatch(1000 + 112)).toBeUndefined();
    // Below at 111.5: it comes before the party of four above at 111.5, as the 223rd.
    expect(anchorMatch(1000 - 111.5)).toEqual(["anchor", "five", "solo"]);
  });
});
