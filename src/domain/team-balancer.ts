import { fitsTwoTeams, MAX_SUMMED_SEATS, NO_PARTIES, withParty } from "./party-size-sums.ts";
import { ReusableArray } from "./reusable-array.ts";

/** Upper bound on search steps, so a pathological party mix costs a bounded amount per match. */
const MAX_PACKING_STEPS = 5_000;
/**
 * Up to this many parties on two teams, the search below takes at most 2^12 - 1 steps (one branch per
 * team and party), under {@link MAX_PACKING_STEPS}: its answer is exact, and the party-size sums give
 * the same answer without searching (see {@link twoTeamsExact}).
 */
const EXACT_TWO_TEAM_PARTIES = 12;
/** Upper bound on improving swaps once a feasible split is found. */
const MAX_IMPROVING_SWAPS = 64;

// Scratch for the seating search: the matcher asks it for every party candidate it examines.
const scratchFree = new ReusableArray((length) => new Int32Array(length));
let stepsLeft = 0;

/**
 * Whether parties of the first `count` of `sizes` can be seated in teams with the first `teamCount`
 * of `freeSeats` free, each party on one team. Exact bin packing is NP-hard in general, but matches
 * are small and the search is bounded: when it gives up the answer is "no", which only costs a
 * candidate, never a wrong match.
 *
 * The matcher holds the sizes in an array it owns, so they are reordered in place (largest first)
 * and nothing is allocated once the scratch has grown.
 */
export function canSeatSizes(sizes: Int32Array, count: number, freeSeats: Int32Array, teamCount: number): boolean {
  let total = 0;
  let allSolo = true;
  // Largest first: an insertion sort, as there are only a match's worth of parties.
  for (let k = 0; k < count; k++) {
    const size = sizes[k]!;
    total += size;
    if (size !== 1) allSolo = false;
    let j = k;
    while (j > 0 && sizes[j - 1]! < size) {
      sizes[j] = sizes[j - 1]!;
      j--;
    }
    sizes[j] = size;
  }
  const free = scratchFree.atLeast(teamCount);
  let capacity = 0;
  for (let t = 0; t < teamCount; t++) {
    free[t] = freeSeats[t]!;
    capacity += freeSeats[t]!;
  }
  if (total > capacity) return false;
  if (allSolo) return true;
  if (twoTeamsExact(teamCount, count, total)) {
    let sums = NO_PARTIES;
    for (let k = 0; k < count; k++) sums = withParty(sums, sizes[k]!);
    return fitsTwoTeams(sums, total, free[0]!, free[1]!);
  }
  stepsLeft = MAX_PACKING_STEPS;
  return seatFrom(sizes, count, 0, free, teamCount);
}

/**
 * Whether {@link canSeatSizes} answers for `count` parties taking `total` seats on `teamCount` teams
 * from their party-size sums ({@link fitsTwoTeams}) rather than by searching: two teams, few enough
 * parties that the bounded search could not give up, and a total the sums can hold. A caller that
 * keeps the sums up to date may then ask {@link fitsTwoTeams} itself and get the same answer.
 */
export function twoTeamsExact(teamCount: number, count: number, total: number): boolean {
  return teamCount === 2 && count <= EXACT_TWO_TEAM_PARTIES && total <= MAX_SUMMED_SEATS;
}

function seatFrom(order: Int32Array, count: number, index: number, free: Int32Array, teamCount: number): boolean {
  if (index === count) return true;
  if (--stepsLeft < 0) return false;
  const size = order[index]!;
  for (let team = 0; team < teamCount; team++) {
    const seats = free[team]!;
    // Teams with the same free seats are interchangeable: trying the first of them is enough.
    if (seats < size || sameSeatsEarlier(free, team, seats)) continue;
    free[team] = seats - size;
    if (seatFrom(order, count, index + 1, free, teamCount)) {
      free[team] = seats;
      return true;
    }
    free[team] = seats;
  }
  return false;
}

function sameSeatsEarlier(free: Int32Array, team: number, seats: number): boolean {
  for (let earlier = 0; earlier < team; earlier++) if (free[earlier] === seats) return true;
  return false;
}

// Scratch for the split: it runs once per formed match, hundreds of thousands of times in a large
// pass, so it works on typed arrays kept across calls rather than allocating per call.
const scratchOrder = new ReusableArray((length) => new Int32Array(length));
const scratchSizesAfter = new ReusableArray((length) => new Int32Array(length));
const scratchTeamFree = new ReusableArray((length) => new Int32Array(length));
const scratchTeams = new ReusableArray((length) => new Int32Array(length));
const scratchSuffixSums = new ReusableArray((length) => new Int32Array(length));
const scratchOnStrongest = new ReusableArray((length) => new Int32Array(length));
const scratchOnWeakest = new ReusableArray((length) => new Int32Array(length));

/**
 * Splits parties that exactly fill `teamCount` teams of `teamSize` into teams with close total
 * skill: largest parties first, each onto the weakest team that can still take the rest, then
 * swaps of equal-sized parties between the strongest and weakest team while that narrows the gap.
 *
 * Party p < `count` has `sizes[p]` players whose skills sum to `skillSums[p]`. Writes each party's
 * team into `teamOfParty[p]` and each team's total skill into `teamSkill[t]` (see
 * {@link teamImbalance}), and returns false when the parties cannot fill the teams exactly. Works on
 * the matcher's typed arrays and allocates nothing once its scratch has grown (the answer is a
 * boolean and the numbers go into the caller's arrays, as a number returned from a call that is not
 * inlined is boxed: one allocation per match), and skips the seating search when every party is a
 * solo player (any seat then fits the rest).
 */
export function splitIntoTeamsInto(
  sizes: Int32Array,
  skillSums: Float64Array,
  count: number,
  teamCount: number,
  teamSize: number,
  teamOfParty: Int32Array,
  teamSkill: Float64Array,
): boolean {
  let seated = 0;
  let allSolo = true;
  for (let p = 0; p < count; p++) {
    seated += sizes[p]!;
    if (sizes[p] !== 1) allSolo = false;
  }
  if (seated !== teamCount * teamSize) return false;
  const order = largestStrongestFirst(sizes, skillSums, count);
  const free = scratchTeamFree.atLeast(teamCount);
  const teams = scratchTeams.atLeast(teamCount);
  if (allSolo && teamSize === 1) {
    // One player per team (duels, free-for-alls): the placement below would put the k-th strongest
    // on the k-th team, the first empty one, and no swap can narrow the gap between two teams of
    // one player, so both are skipped.
    for (let k = 0; k < count; k++) {
      teamOfParty[order[k]!] = k;
      teamSkill[k] = 0 + skillSums[order[k]!]!;
    }
    return true;
  }
  for (let t = 0; t < teamCount; t++) {
    free[t] = teamSize;
    teamSkill[t] = 0;
  }
  for (let p = 0; p < count; p++) teamOfParty[p] = -1;
  // With two teams and few parties, whether the parties after the k-th still fit is read from the
  // size sums of the parties from k on, computed once, instead of searching at every placement.
  const exact = twoTeamsExact(teamCount, count, seated);
  const suffixSums = exact ? sizeSumsFrom(sizes, order, count) : undefined;
  let seatsLeft = seated;
  for (let k = 0; k < count; k++) {
    const index = order[k]!;
    const size = sizes[index]!;
    seatsLeft -= size;
    weakestFirst(teams, teamSkill, teamCount);
    let team = -1;
    for (let c = 0; c < teamCount; c++) {
      const candidate = teams[c]!;
      if (free[candidate]! < size) continue;
      if (!allSolo) {
        free[candidate]! -= size;
        const ok =
          suffixSums === undefined
            ? canSeatSizes(sizesAfter(sizes, order, count, k), count - k - 1, free, teamCount)
            : fitsTwoTeams(suffixSums[k + 1]!, seatsLeft, free[0]!, free[1]!);
        free[candidate]! += size;
        if (!ok) continue;
      }
      team = candidate;
      break;
    }
    if (team === -1) return false;
    free[team]! -= size;
    teamSkill[team]! += skillSums[index]!;
    teamOfParty[index] = team;
  }
  improveBySwaps(sizes, skillSums, count, teamOfParty, teamSkill, teamCount);
  return true;
}

/**
 * Highest minus lowest team mean skill, from each team's total skill (as {@link splitIntoTeamsInto}
 * writes them) over full teams of `teamSize`: 0 is perfectly even.
 */
export function teamImbalance(teamSkill: Float64Array, teamCount: number, teamSize: number): number {
  return (teamSkill[indexOfMax(teamSkill, teamCount)]! - teamSkill[indexOfMin(teamSkill, teamCount)]!) / teamSize;
}

/** Party indices by size, then skill, both descending; equal parties keep their order (a stable insertion sort). */
function largestStrongestFirst(sizes: Int32Array, skillSums: Float64Array, count: number): Int32Array {
  const order = scratchOrder.atLeast(count);
  for (let i = 0; i < count; i++) {
    let k = i;
    while (k > 0) {
      const previous = order[k - 1]!;
      if ((sizes[i]! - sizes[previous]! || skillSums[i]! - skillSums[previous]!) <= 0) break;
      order[k] = previous;
      k--;
    }
    order[k] = i;
  }
  return order;
}

/** Fills `teams` with team indices by total skill, ascending; equal teams by index. */
function weakestFirst(teams: Int32Array, sums: Float64Array, teamCount: number): void {
  for (let t = 0; t < teamCount; t++) {
    let k = t;
    while (k > 0 && sums[teams[k - 1]!]! > sums[t]!) {
      teams[k] = teams[k - 1]!;
      k--;
    }
    teams[k] = t;
  }
}

/** At [k], the size sums of the parties at positions k.. of `order` (at [count], of none). */
function sizeSumsFrom(sizes: Int32Array, order: Int32Array, count: number): Int32Array {
  const suffix = scratchSuffixSums.atLeast(count + 1);
  suffix[count] = NO_PARTIES;
  for (let k = count - 1; k >= 0; k--) suffix[k] = withParty(suffix[k + 1]!, sizes[order[k]!]!);
  return suffix;
}

/** Sizes of the parties placed after position `k` of `order`. */
function sizesAfter(sizes: Int32Array, order: Int32Array, count: number, k: number): Int32Array {
  const after = scratchSizesAfter.atLeast(count);
  for (let j = k + 1; j < count; j++) after[j - k - 1] = sizes[order[j]!]!;
  return after;
}

/** The first of the first `count` indices holding the highest value, as `indexOf(Math.max(...))` finds it. */
function indexOfMax(values: Float64Array, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The first of the first `count` indices holding the lowest value. */
function indexOfMin(values: Float64Array, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[i]! < values[best]!) best = i;
  return best;
}

function improveBySwaps(
  sizes: Int32Array,
  skillSums: Float64Array,
  count: number,
  teamOfParty: Int32Array,
  sums: Float64Array,
  teamCount: number,
): void {
  for (let swaps = 0; swaps < MAX_IMPROVING_SWAPS; swaps++) {
    const strongest = indexOfMax(sums, teamCount);
    const weakest = indexOfMin(sums, teamCount);
    const gap = sums[strongest]! - sums[weakest]!;
    let bestA = -1;
    let bestB = -1;
    let bestGap = gap;
    // The two teams' parties in index order, so that pairs are tried in the same order as over all
    // parties, without reading the others for every pair.
    const onStrongest = scratchOnStrongest.atLeast(count);
    const onWeakest = scratchOnWeakest.atLeast(count);
    let strongCount = 0;
    let weakCount = 0;
    for (let p = 0; p < count; p++) {
      if (teamOfParty[p] === strongest) onStrongest[strongCount++] = p;
      else if (teamOfParty[p] === weakest) onWeakest[weakCount++] = p;
    }
    for (let i = 0; i < strongCount; i++) {
      const a = onStrongest[i]!;
      for (let j = 0; j < weakCount; j++) {
        const b = onWeakest[j]!;
        if (sizes[b] !== sizes[a]) continue;
        const delta = skillSums[a]! - skillSums[b]!;
        const newGap = Math.abs(gap - 2 * delta);
        if (delta > 0 && newGap < bestGap) {
          bestA = a;
          bestB = b;
          bestGap = newGap;
        }
      }
    }
    if (bestA === -1) return;
    const delta = skillSums[bestA]! - skillSums[bestB]!;
    teamOfParty[bestA] = weakest;
    teamOfParty[bestB] = strongest;
    sums[strongest]! -= delta;
    sums[weakest]! += delta;
  }
}
