/** A party as team formation sees it: how many seats it takes and its players' total skill. */
export interface PartyShape {
  readonly size: number;
  readonly skillSum: number;
}

/** The outcome of splitting a match's parties into teams. */
export interface TeamSplit {
  /** Team index of each party, in the order the parties were given. */
  readonly teamOfParty: readonly number[];
  /** Highest minus lowest team mean skill: 0 is perfectly even. */
  readonly imbalance: number;
}

/** Upper bound on search steps, so a pathological party mix costs a bounded amount per match. */
const MAX_PACKING_STEPS = 5_000;
/** Upper bound on improving swaps once a feasible split is found. */
const MAX_IMPROVING_SWAPS = 64;

/**
 * Whether parties of these sizes can be seated in teams with these free seats, each party on one
 * team. Exact bin packing is NP-hard in general, but matches are small and the search is bounded:
 * when it gives up the answer is "no", which only costs a candidate, never a wrong match.
 */
export function canSeat(sizes: readonly number[], freeSeats: readonly number[]): boolean {
  const order = [...sizes].sort((a, b) => b - a);
  const free = [...freeSeats];
  let total = 0;
  for (const size of order) total += size;
  let capacity = 0;
  for (const seats of free) capacity += seats;
  if (total > capacity) return false;
  if (order.every((size) => size === 1)) return true;
  const budget = { steps: MAX_PACKING_STEPS };
  return seatFrom(order, 0, free, budget);
}

function seatFrom(order: readonly number[], index: number, free: number[], budget: { steps: number }): boolean {
  if (index === order.length) return true;
  if (--budget.steps < 0) return false;
  const size = order[index] ?? 0;
  const tried = new Set<number>();
  for (let team = 0; team < free.length; team++) {
    const seats = free[team] ?? 0;
    // Teams with the same free seats are interchangeable: trying one of them is enough.
    if (seats < size || tried.has(seats)) continue;
    tried.add(seats);
    free[team] = seats - size;
    if (seatFrom(order, index + 1, free, budget)) {
      free[team] = seats;
      return true;
    }
    free[team] = seats;
  }
  return false;
}

/**
 * Splits parties that exactly fill `teamCount` teams of `teamSize` into teams with close total
 * skill: largest parties first, each onto the weakest team that can still take the rest, then
 * swaps of equal-sized parties between the strongest and weakest team while that narrows the gap.
 * Returns undefined when the parties cannot fill the teams exactly.
 *
 * Runs once per formed match, so it sorts small index arrays in place rather than building
 * intermediate lists, and skips the seating search when every party is a solo player (any seat
 * then fits the rest).
 */
export function splitIntoTeams(parties: readonly PartyShape[], teamCount: number, teamSize: number): TeamSplit | undefined {
  let seated = 0;
  let allSolo = true;
  for (const party of parties) {
    seated += party.size;
    if (party.size !== 1) allSolo = false;
  }
  if (seated !== teamCount * teamSize) return undefined;
  const order = largestStrongestFirst(parties);
  const free = new Array<number>(teamCount).fill(teamSize);
  const sums = new Array<number>(teamCount).fill(0);
  const teamOfParty = new Array<number>(parties.length).fill(-1);
  const teams = new Array<number>(teamCount);
  for (let k = 0; k < order.length; k++) {
    const index = order[k]!;
    const party = parties[index]!;
    weakestFirst(teams, sums);
    let team = -1;
    for (const candidate of teams) {
      if (free[candidate]! < party.size) continue;
      if (!allSolo) {
        free[candidate]! -= party.size;
        const ok = canSeat(sizesAfter(parties, order, k), free);
        free[candidate]! += party.size;
        if (!ok) continue;
      }
      team = candidate;
      break;
    }
    if (team === -1) return undefined;
    free[team]! -= party.size;
    sums[team]! += party.skillSum;
    teamOfParty[index] = team;
  }
  improveBySwaps(parties, teamOfParty, sums);
  return { teamOfParty, imbalance: (Math.max(...sums) - Math.min(...sums)) / teamSize };
}

/** Party indices by size, then skill, both descending; equal parties keep their order (a stable insertion sort). */
function largestStrongestFirst(parties: readonly PartyShape[]): number[] {
  const order = new Array<number>(parties.length);
  for (let i = 0; i < parties.length; i++) {
    const party = parties[i]!;
    let k = i;
    while (k > 0) {
      const previous = parties[order[k - 1]!]!;
      if ((party.size - previous.size || party.skillSum - previous.skillSum) <= 0) break;
      order[k] = order[k - 1]!;
      k--;
    }
    order[k] = i;
  }
  return order;
}

/** Fills `teams` with team indices by total skill, ascending; equal teams by index. */
function weakestFirst(teams: number[], sums: readonly number[]): void {
  for (let t = 0; t < teams.length; t++) {
    let k = t;
    while (k > 0 && sums[teams[k - 1]!]! > sums[t]!) {
      teams[k] = teams[k - 1]!;
      k--;
    }
    teams[k] = t;
  }
}

/** Sizes of the parties placed after position `k` of `order`. */
function sizesAfter(parties: readonly PartyShape[], order: readonly number[], k: number): number[] {
  const sizes = new Array<number>(order.length - k - 1);
  for (let j = k + 1; j < order.length; j++) sizes[j - k - 1] = parties[order[j]!]!.size;
  return sizes;
}

function improveBySwaps(parties: readonly PartyShape[], teamOfParty: number[], sums: number[]): void {
  for (let swaps = 0; swaps < MAX_IMPROVING_SWAPS; swaps++) {
    const strongest = sums.indexOf(Math.max(...sums));
    const weakest = sums.indexOf(Math.min(...sums));
    const gap = sums[strongest]! - sums[weakest]!;
    let best: { a: number; b: number; gap: number } | undefined;
    for (let a = 0; a < parties.length; a++) {
      if (teamOfParty[a] !== strongest) continue;
      for (let b = 0; b < parties.length; b++) {
        if (teamOfParty[b] !== weakest || parties[b]!.size !== parties[a]!.size) continue;
        const delta = parties[a]!.skillSum - parties[b]!.skillSum;
        const newGap = Math.abs(gap - 2 * delta);
        if (delta > 0 && newGap < (best?.gap ?? gap)) best = { a, b, gap: newGap };
      }
    }
    if (best === undefined) return;
    const delta = parties[best.a]!.skillSum - parties[best.b]!.skillSum;
    teamOfParty[best.a] = weakest;
    teamOfParty[best.b] = strongest;
    sums[strongest]! -= delta;
    sums[weakest]! += delta;
  }
}
