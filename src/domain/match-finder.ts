import { AliveIndex } from "./alive-index.ts";
import { latencyLimitAfter, matchSize, skillWindowAfter, type QueueConfig } from "./queue-config.ts";
import { ReusableArray } from "./reusable-array.ts";
import { canSeatSizes, splitIntoTeamsInto } from "./team-balancer.ts";
import { stableSortByKey } from "./stable-key-sort.ts";
import { comparePriority, partySkill, type Player } from "./ticket.ts";

/** What the matcher needs to know about a waiting ticket. */
export interface MatchableTicket {
  readonly id: string;
  readonly players: readonly Player[];
  readonly latencyMs: Readonly<Record<string, number>>;
  readonly createdAt: number;
}

/** A match the rules allow, before it has a game server. */
export interface ProposedMatch<T extends MatchableTicket> {
  readonly region: string;
  readonly tickets: readonly T[];
  /** The tickets of each team, in team order. */
  readonly teams: readonly (readonly T[])[];
  /** Highest minus lowest party skill in the match. */
  readonly skillSpread: number;
  /** Highest minus lowest team mean skill. */
  readonly teamImbalance: number;
  /** Waiting time of the match's oldest ticket. */
  readonly longestWaitMs: number;
}

/**
 * How many candidates one ticket may look at in one region per pass. Keeps a pass at
 * O(n log n) however crowded a skill band is; a ticket that finds no match this pass is the first
 * to try again on the next one.
 */
const CANDIDATES_PER_SEAT = 16;

const float64 = (length: number): Float64Array => new Float64Array(length);
const int32 = (length: number): Int32Array => new Int32Array(length);

/** The per-ticket arrays of a pass, kept for the next one (passes are synchronous, never nested). */
const scratch = {
  skill: new ReusableArray(float64),
  createdAt: new ReusableArray(float64),
  identity: new ReusableArray(int32),
  record: new ReusableArray(float64),
  position: new ReusableArray(int32),
  byCreation: new ReusableArray(int32),
  bySkill: new ReusableArray(int32),
  matched: new ReusableArray((length) => new Uint8Array(length)),
};

/** One region index's arrays, kept for the next pass; one per region slot. */
class RegionScratch {
  readonly sorted = new ReusableArray(int32);
  readonly sortedSkill = new ReusableArray(float64);
  readonly sortedWindow = new ReusableArray(float64);
  readonly sortedPartySize = new ReusableArray(int32);
  readonly alive = new ReusableArray(int32);
}

const regionScratch: RegionScratch[] = [];

/** Offsets in a ticket's record: skill, skill window, party size, then one latency per region. */
const RECORD_SKILL = 0;
const RECORD_WINDOW = 1;
const RECORD_PARTY_SIZE = 2;
const RECORD_LATENCY = 3;

/**
 * Forms as many matches as the queue's rules allow from the waiting tickets.
 *
 * Tickets are taken oldest first; each one, in its lowest-latency eligible region first, gathers the
 * closest-skilled tickets around it (scanning outward in a skill-sorted index) until the match is
 * full. A candidate joins only if, after joining, every ticket's current skill window contains every
 * ticket's skill (windows widen with waiting time), every ticket is within its current latency limit
 * for the region, and the parties can still be seated whole on the teams. Cost is O(n log n): one
 * sort by skill shared by every region plus a bounded scan per ticket.
 *
 * Built for a million tickets in one pass: the per-ticket state lives in typed arrays kept across
 * passes (see {@link ReusableArray}), both orders come from comparator-free radix sorts, and each
 * region's index holds its candidates' skill, window and party size next to each other, so the scan
 * around a ticket reads neighbouring memory. Allocation happens per formed match (the match and its
 * arrays, which the caller keeps), not per ticket examined; the team split runs on scratch too.
 */
export function findMatches<T extends MatchableTicket>(queue: QueueConfig, tickets: readonly T[], now: number): ProposedMatch<T>[] {
  const count = tickets.length;
  const seats = matchSize(queue);
  const skill = scratch.skill.take(count);
  const createdAt = scratch.createdAt.take(count);
  const identity = scratch.identity.take(count);
  const regionCount = queue.regions.length;
  // Ticket i's record at [i * stride]: skill, skill window, party size, then its latency to each
  // region (NaN where it is not eligible). One record per ticket, so that reading a ticket found by
  // skill order, at a random place, costs one or two cache misses rather than one per array.
  const stride = RECORD_LATENCY + regionCount;
  const record = scratch.record.take(count * stride);
  // One sequential sweep over the ticket objects: everything after it reads typed arrays only.
  for (let i = 0; i < count; i++) {
    const ticket = tickets[i]!;
    const base = i * stride;
    skill[i] = partySkill(ticket.players);
    record[base + RECORD_SKILL] = skill[i]!;
    record[base + RECORD_WINDOW] = skillWindowAfter(queue, now - ticket.createdAt);
    record[base + RECORD_PARTY_SIZE] = ticket.players.length;
    createdAt[i] = ticket.createdAt;
    identity[i] = i;
    for (let r = 0; r < regionCount; r++) {
      const region = queue.regions[r]!;
      const value = ticket.latencyMs[region.name];
      const eligible = value !== undefined && value <= latencyLimitAfter(queue, region, now - ticket.createdAt);
      record[base + RECORD_LATENCY + r] = eligible ? value : Number.NaN;
    }
  }
  const byCreation = stableSortByKey(identity, createdAt, scratch.byCreation.take(count));
  // Skill first, then age, then input order: the order every region's index is a subsequence of.
  const bySkill = stableSortByKey(byCreation, skill, scratch.bySkill.take(count));
  // Position of ticket i in region r's index at [i * regionCount + r], or -1 when not eligible there.
  const position = scratch.position.take(count * regionCount).fill(-1);
  const regions = indexRegions(queue, record, bySkill, position);
  const matched = scratch.matched.take(count).fill(0);
  const matches: ProposedMatch<T>[] = [];
  const scanLimit = CANDIDATES_PER_SEAT * seats + 64;
  // Scratch reused by every anchor: its regions by latency, and the members being gathered.
  const regionOrder = new Int32Array(regions.length);
  const regionLatency = new Float64Array(regions.length);
  const members = new Int32Array(scanLimit + 1);
  // Party size and skill of each member, in member order, for the seating check and the split.
  const memberPartySize = new Int32Array(scanLimit + 1);
  const memberSkill = new Float64Array(scanLimit + 1);
  // Each member's skill times party size, and the team the split puts it on, in member order.
  const memberSkillSum = new Float64Array(scanLimit + 1);
  const memberTeam = new Int32Array(scanLimit + 1);
  const fullTeams = new Int32Array(queue.teamCount).fill(queue.teamSize);
  // The members' sizes plus a candidate's, handed to the seating check (which reorders them).
  const seatingSizes = new Int32Array(scanLimit + 2);
  // Whether a party of size s can join the members gathered so far, at [s]: 1 yes, 0 no, -1 not yet
  // known. The answer depends only on the members' sizes, so it holds until the next member joins.
  const seatable = new Int8Array(seats + 1);
  // Tickets per team of the match being proposed, then how many of them are placed.
  const teamFill = new Int32Array(queue.teamCount);

  const priority = priorityOrder(tickets, byCreation, createdAt);
  for (let p = 0; p < count; p++) {
    const anchor = priority[p]!;
    if (matched[anchor] === 1) continue;
    const eligible = eligibleRegionsByLatency(anchor);
    for (let r = 0; r < eligible; r++) {
      const region = regions[regionOrder[r]!]!;
      const size = gather(anchor, region, position[anchor * regionCount + regionOrder[r]!]!);
      if (size === 0) continue;
      const match = propose(size, region.name);
      if (match === undefined) continue;
      for (let m = 0; m < size; m++) {
        const member = members[m]!;
        matched[member] = 1;
        for (let other = 0; other < regionCount; other++) {
          const at = position[member * regionCount + other]!;
          if (at >= 0) regions[other]!.alive.remove(at);
        }
      }
      matches.push(match);
      break;
    }
  }
  return matches;

  /** Fills `regionOrder` with the anchor's eligible regions, lowest latency first (ties: config order). */
  function eligibleRegionsByLatency(anchor: number): number {
    let eligible = 0;
    for (let r = 0; r < regionCount; r++) {
      const value = record[anchor * stride + RECORD_LATENCY + r]!;
      if (Number.isNaN(value)) continue;
      // Insertion keeps equal latencies in configuration order, as a stable sort would.
      let k = eligible++;
      while (k > 0 && regionLatency[k - 1]! > value) {
        regionOrder[k] = regionOrder[k - 1]!;
        regionLatency[k] = regionLatency[k - 1]!;
        k--;
      }
      regionOrder[k] = r;
      regionLatency[k] = value;
    }
    return eligible;
  }

  /** Gathers a full match around `anchor` into `members`; returns how many, or 0 when it cannot fill one. */
  function gather(anchor: number, region: RegionIndex, start: number): number {
    const { sorted, sortedSkill, sortedWindow, sortedPartySize, alive } = region;
    const anchorSkill = record[anchor * stride + RECORD_SKILL]!;
    const anchorWindow = record[anchor * stride + RECORD_WINDOW]!;
    members[0] = anchor;
    memberSkill[0] = anchorSkill;
    memberPartySize[0] = record[anchor * stride + RECORD_PARTY_SIZE]!;
    let size = 1;
    let seated = memberPartySize[0];
    let lowest = anchorSkill;
    let highest = lowest;
    // Every member's skill must lie within every member's window: the intersection of windows.
    let floor = lowest - anchorWindow;
    let ceiling = lowest + anchorWindow;
    seatable.fill(-1);
    let left = alive.atOrBefore(start - 1);
    let right = alive.atOrAfter(start + 1);
    for (let examined = 0; seated < seats && examined < scanLimit; examined++) {
      const leftOk = left >= 0 && sortedSkill[left]! >= floor;
      const rightOk = right < sorted.length && sortedSkill[right]! <= ceiling;
      if (!leftOk && !rightOk) break;
      let at: number;
      if (leftOk && (!rightOk || anchorSkill - sortedSkill[left]! <= sortedSkill[right]! - anchorSkill)) {
        at = left;
        left = alive.atOrBefore(left - 1);
      } else {
        at = right;
        right = alive.atOrAfter(right + 1);
      }
      const s = sortedSkill[at]!;
      const w = sortedWindow[at]!;
      const nextFloor = Math.max(floor, s - w);
      const nextCeiling = Math.min(ceiling, s + w);
      const nextLowest = Math.min(lowest, s);
      const nextHighest = Math.max(highest, s);
      if (nextFloor > nextLowest || nextHighest > nextCeiling) continue;
      const candidateSize = sortedPartySize[at]!;
      if (seated + candidateSize > seats) continue;
      // Solo players always fit in the seats left; only parties need the packing check.
      if (candidateSize > 1 && !canSeatWith(size, candidateSize)) continue;
      seatable.fill(-1);
      memberSkill[size] = s;
      memberPartySize[size] = candidateSize;
      members[size++] = sorted[at]!;
      seated += candidateSize;
      floor = nextFloor;
      ceiling = nextCeiling;
      lowest = nextLowest;
      highest = nextHighest;
    }
    return seated === seats ? size : 0;
  }

  /** Whether the first `size` members and a party of `candidateSize` can be seated whole. */
  function canSeatWith(size: number, candidateSize: number): boolean {
    const known = seatable[candidateSize]!;
    if (known !== -1) return known === 1;
    for (let m = 0; m < size; m++) seatingSizes[m] = memberPartySize[m]!;
    seatingSizes[size] = candidateSize;
    const answer = canSeatSizes(seatingSizes, size + 1, fullTeams, queue.teamCount);
    seatable[candidateSize] = answer ? 1 : 0;
    return answer;
  }

  function propose(size: number, region: string): ProposedMatch<T> | undefined {
    for (let m = 0; m < size; m++) memberSkillSum[m] = memberSkill[m]! * memberPartySize[m]!;
    const imbalance = splitIntoTeamsInto(memberPartySize, memberSkillSum, size, queue.teamCount, queue.teamSize, memberTeam);
    if (imbalance === undefined) return undefined;
    // Teams sized exactly: pushing onto empty arrays would reserve 17 slots each, and every match
    // survives the pass, so its bytes are copied by each young-generation collection it lives through.
    teamFill.fill(0);
    for (let m = 0; m < size; m++) teamFill[memberTeam[m]!]!++;
    const teams = new Array<T[]>(queue.teamCount);
    for (let t = 0; t < queue.teamCount; t++) teams[t] = new Array<T>(teamFill[t]!);
    teamFill.fill(0);
    const matchTickets = new Array<T>(size);
    let lowest = Infinity;
    let highest = -Infinity;
    let oldest = Infinity;
    for (let m = 0; m < size; m++) {
      const member = members[m]!;
      const ticket = tickets[member]!;
      matchTickets[m] = ticket;
      const team = memberTeam[m]!;
      teams[team]![teamFill[team]!++] = ticket;
      lowest = Math.min(lowest, memberSkill[m]!);
      highest = Math.max(highest, memberSkill[m]!);
      oldest = Math.min(oldest, createdAt[member]!);
    }
    return {
      region,
      tickets: matchTickets,
      teams,
      skillSpread: highest - lowest,
      teamImbalance: imbalance,
      longestWaitMs: Math.max(0, now - oldest),
    };
  }
}

/** The tickets eligible for one region, sorted by skill, with the matcher's bookkeeping. */
interface RegionIndex {
  readonly name: string;
  /** Ticket indices sorted by skill (ties: older first). */
  readonly sorted: Int32Array;
  /** The skill, window and party size of each ticket of `sorted`, so a scan reads neighbouring memory only. */
  readonly sortedSkill: Float64Array;
  readonly sortedWindow: Float64Array;
  readonly sortedPartySize: Int32Array;
  readonly alive: AliveIndex;
}

/**
 * Every region's index in one sweep of `bySkill`, keeping each region's eligible tickets (a latency
 * in their `record`, laid out as {@link findMatches} writes it) in that order and noting their
 * positions in `position`.
 */
function indexRegions(queue: QueueConfig, record: Float64Array, bySkill: Int32Array, position: Int32Array): RegionIndex[] {
  const regionCount = queue.regions.length;
  const stride = RECORD_LATENCY + regionCount;
  const count = bySkill.length;
  while (regionScratch.length < regionCount) regionScratch.push(new RegionScratch());
  const storage = regionScratch.slice(0, regionCount);
  const sorted = storage.map((region) => region.sorted.take(count));
  const sortedSkill = storage.map((region) => region.sortedSkill.take(count));
  const sortedWindow = storage.map((region) => region.sortedWindow.take(count));
  const sortedPartySize = storage.map((region) => region.sortedPartySize.take(count));
  const sizes = new Int32Array(regionCount);
  for (let k = 0; k < count; k++) {
    const i = bySkill[k]!;
    const base = i * stride;
    for (let r = 0; r < regionCount; r++) {
      if (Number.isNaN(record[base + RECORD_LATENCY + r]!)) continue;
      const at = sizes[r]!++;
      position[i * regionCount + r] = at;
      sorted[r]![at] = i;
      sortedSkill[r]![at] = record[base + RECORD_SKILL]!;
      sortedWindow[r]![at] = record[base + RECORD_WINDOW]!;
      sortedPartySize[r]![at] = record[base + RECORD_PARTY_SIZE]!;
    }
  }
  return queue.regions.map((region, r) => {
    const size = sizes[r]!;
    return {
      name: region.name,
      sorted: sorted[r]!.subarray(0, size),
      sortedSkill: sortedSkill[r]!.subarray(0, size),
      sortedWindow: sortedWindow[r]!.subarray(0, size),
      sortedPartySize: sortedPartySize[r]!.subarray(0, size),
      alive: new AliveIndex(size, storage[r]!.alive.atLeast(2 * (size + 2))),
    };
  });
}

/**
 * Puts ticket indices in matching priority order, in place: `order` (already ordered by creation
 * time) gets each run of equal creation times in id order, as {@link comparePriority} orders them.
 */
function priorityOrder(tickets: readonly MatchableTicket[], order: Int32Array, createdAt: Float64Array): Int32Array {
  let runStart = 0;
  for (let k = 1; k <= order.length; k++) {
    if (k < order.length && createdAt[order[k]!] === createdAt[order[runStart]!]) continue;
    if (k - runStart > 1) sortRunById(tickets, order, runStart, k);
    runStart = k;
  }
  return order;
}

/** Runs this short are insertion-sorted in place; longer ones go through a comparator sort. */
const SHORT_RUN = 16;

/** Sorts `order[from..to)`, tickets created at the same time, by id. */
function sortRunById(tickets: readonly MatchableTicket[], order: Int32Array, from: number, to: number): void {
  if (to - from > SHORT_RUN) {
    order.subarray(from, to).sort((a, b) => comparePriority(tickets[a]!, tickets[b]!));
    return;
  }
  for (let k = from + 1; k < to; k++) {
    const index = order[k]!;
    const id = tickets[index]!.id;
    let j = k;
    while (j > from && tickets[order[j - 1]!]!.id > id) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = index;
  }
}
