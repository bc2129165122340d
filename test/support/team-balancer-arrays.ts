import { canSeatSizes, splitIntoTeamsInto, teamImbalance } from "../../src/domain/team-balancer.ts";

/** A party as a test describes it: how many seats it takes and its players' total skill. */
export interface PartyShape {
  readonly size: number;
  readonly skillSum: number;
}

/** What {@link splitIntoTeams} found: each party's team, in the order given, and the imbalance. */
export interface TeamSplit {
  readonly teamOfParty: readonly number[];
  readonly imbalance: number;
}

/**
 * {@link canSeatSizes} over plain arrays, so a test can write the sizes and free seats out; both are
 * copied, as the production function reorders its sizes in place.
 */
export function canSeat(sizes: readonly number[], freeSeats: readonly number[]): boolean {
  return canSeatSizes(Int32Array.from(sizes), sizes.length, Int32Array.from(freeSeats), freeSeats.length);
}

/** {@link splitIntoTeamsInto} over a list of parties, with its {@link teamImbalance}; undefined if it fails. */
export function splitIntoTeams(parties: readonly PartyShape[], teamCount: number, teamSize: number): TeamSplit | undefined {
  const teamOfParty = new Int32Array(parties.length);
  const teamSkill = new Float64Array(teamCount);
  const split = splitIntoTeamsInto(
    Int32Array.from(parties, (party) => party.size),
    Float64Array.from(parties, (party) => party.skillSum),
    parties.length,
    teamCount,
    teamSize,
    teamOfParty,
    teamSkill,
  );
  return split ? { teamOfParty: Array.from(teamOfParty), imbalance: teamImbalance(teamSkill, teamCount, teamSize) } : undefined;
}
