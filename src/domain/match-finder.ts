import { FACT_LONGEST_WAIT, FACT_SKILL_SPREAD, FACT_TEAM_IMBALANCE, MATCH_FACTS, MatchRecorder, type FormedMatches } from "./formed-matches.ts";
import { latencyLimitAfter, matchSize, skillWindowAfter, type QueueConfig } from "./queue-config.ts";
import { ReusableArray } from "./reusable-array.ts";
import {
  buildSkillIndex,
  ENTRY_CREATED_AT,
  ENTRY_FLOATS,
  ENTRY_INTS,
  ENTRY_PARTY_SIZE,
  ENTRY_SKILL,
  ENTRY_TICKET,
  ENTRY_WINDOW,
  firstRankFrom,
  RECORD_CREATED_AT,
  RECORD_LATENCY,
  RECORD_PARTY_SIZE,
  RECORD_SKILL,
  RECORD_WINDOW,
} from "./skill-index.ts";
import { fitsTwoTeams, NO_PARTIES, withParty } from "./party-size-sums.ts";
import { canSeatSizes, splitIntoTeamsInto, teamImbalance, twoTeamsExact } from "./team-balancer.ts";
import { stableSortByKey } from "./stable-key-sort.ts";
import { orderByCreation } from "./priority-order.ts";
import type { Player } from "./ticket.ts";
import { latencyColumnsOf, WaitingColumnsReader, type WaitingColumns } from "./waiting-columns.ts";

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

/**
 * After this many candidates in a row turned down for their party size, a scan stops reading
 * candidates one by one and jumps to the next one whose size could fit (see `fastForward`).
 */
const SIZE_REJECTIONS_BEFORE_JUMPING = 4;

const float64 = (length: number): Float64Array => new Float64Array(length);
const int32 = (length: number): Int32Array => new Int32Array(length);

/** The per-ticket arrays of a pass, kept for the next one (passes are synchronous, never nested). */
const scratch = {
  identity: new ReusableArray(int32),
  record: new ReusableArray(float64),
  byCreation: new ReusableArray(int32),
  bySkill: new ReusableArray(int32),
};

/** Columns of the tickets handed to {@link findMatches} (read and used within the call). */
const columnsReader = new WaitingColumnsReader();

/**
 * Forms as many matches as the queue's rules allow from the waiting tickets.
 *
 * Tickets are taken oldest first (in the order given when created in the same millisecond, see
 * {@link orderByCreation}); each one, in its lowest-latency eligible region first, gathers the
 * closest-skilled tickets around it (scanning outward in skill order) until the match is full. A
 * candidate joins only if, after joining, every ticket's current skill window contains every
 * ticket's skill (windows widen with waiting time), every ticket is within its current latency limit
 * for the region, and the parties can still be seated whole on the teams. Cost is O(n log n): one
 * sort by skill shared by every region plus a bounded scan per ticket.
 *
 * Built for a million tickets in one pass: the per-ticket state lives in typed arrays kept across
 * passes (see {@link ReusableArray}), both orders come from comparator-free radix sorts, every region
 * scans the same skill order through its own bitset of remaining candidates (see
 * {@link buildSkillIndex}), and a scan that keeps meeting parties too large for the seats left jumps
 * over them by counting bits instead of reading them. The matches are returned in a few typed arrays
 * (see {@link FormedMatches}): a pass allocates no object per match.
 */
export function findMatches<T extends MatchableTicket>(queue: QueueConfig, tickets: readonly T[], now: number): FormedMatches<T> {
  return findMatchesAmong(
    queue,
    columnsReader.read(
      queue.regions.map((region) => region.name),
      tickets,
    ),
    now,
    new MatchRecorder(),
  );
}

/**
 * {@link findMatches} over tickets already read into columns, for a caller that reads them once
 * for more than matching (the matching loop also counts who is left in each region). The columns
 * may cover more regions than the queue's rules (a pass leaves paused regions out of them).
 *
 * The matches are kept in `recorder`'s arrays, readable until its next pass: a caller that runs
 * pass after pass keeps one recorder, and a steady pass then allocates nothing that grows with the
 * queue (see {@link MatchRecorder}).
 */
export function findMatchesAmong<T extends MatchableTicket>(queue: QueueConfig, waiting: WaitingColumns<T>, now: number, recorder: MatchRecorder): FormedMatches<T> {
  const { tickets, skill, partySize, createdAt, latencyMs } = waiting;
  const count = tickets.length;
  const seats = matchSize(queue);
  const identity = scratch.identity.take(count);
  const regionCount = queue.regions.length;
  // Where each of the rules' regions is among the columns' (-1: nowhere, no ticket may play there).
  const columnOf = latencyColumnsOf(waiting, queue.regions);
  const width = waiting.regions.length;
  // Ticket i's record at [i * stride]: skill, skill window, party size, creation time, then its
  // latency to each region (NaN where it is not eligible).
  const stride = RECORD_LATENCY + regionCount;
  const record = scratch.record.take(count * stride);
  let largestParty = 0;
  // One sequential sweep over the columns: the pass's view of each ticket at `now`.
  for (let i = 0; i < count; i++) {
    const base = i * stride;
    const waited = now - createdAt[i]!;
    record[base + RECORD_SKILL] = skill[i]!;
    record[base + RECORD_WINDOW] = skillWindowAfter(queue, waited);
    record[base + RECORD_PARTY_SIZE] = partySize[i]!;
    record[base + RECORD_CREATED_AT] = createdAt[i]!;
    largestParty = Math.max(largestParty, partySize[i]!);
    identity[i] = i;
    for (let r = 0; r < regionCount; r++) {
      const column = columnOf[r]!;
      const value = column < 0 ? Number.NaN : latencyMs[i * width + column]!;
      // NaN (no latency given) is never within the limit.
      const eligible = value <= latencyLimitAfter(queue, queue.regions[r]!, waited);
      record[base + RECORD_LATENCY + r] = eligible ? value : Number.NaN;
    }
  }
  const byCreation = orderByCreation(identity, createdAt, scratch.byCreation.take(count));
  // Skill first, then age, then input order: the order every region scans.
  const bySkill = stableSortByKey(byCreation, skill, scratch.bySkill.take(count));
  const index = buildSkillIndex(regionCount, record, bySkill, largestParty);
  const { floats, ints, rank, alive, sizeClasses, bySize } = index;
  const unmatched = alive[regionCount]!;
  recorder.begin(count);
  const scanLimit = CANDIDATES_PER_SEAT * seats + 64;
  // Scratch reused by every anchor: its regions by latency, and the members being gathered.
  const regionOrder = new Int32Array(regionCount);
  const regionLatency = new Float64Array(regionCount);
  const members = new Int32Array(scanLimit + 1);
  // Rank, party size, skill and creation time of each member, in member order.
  const memberRank = new Int32Array(scanLimit + 1);
  const memberPartySize = new Int32Array(scanLimit + 1);
  const memberSkill = new Float64Array(scanLimit + 1);
  const memberCreatedAt = new Float64Array(scanLimit + 1);
  // Each member's skill times party size, and the team the split puts it on, in member order.
  const memberSkillSum = new Float64Array(scanLimit + 1);
  const memberTeam = new Int32Array(scanLimit + 1);
  // The split's total skill per team, and the facts of the match being recorded.
  const teamSkill = new Float64Array(queue.teamCount);
  const matchFacts = new Float64Array(MATCH_FACTS);
  const fullTeams = new Int32Array(queue.teamCount).fill(queue.teamSize);
  // The members' sizes plus a candidate's, handed to the seating check (which reorders them).
  const seatingSizes = new Int32Array(scanLimit + 2);
  // Whether a party of size s can join the members gathered so far, at [s]: 1 yes, 0 no; it holds
  // while `seatableVersion[s]` is `membersVersion`. The answer depends only on the members' sizes, so
  // it holds until the next member joins, which moves `membersVersion` on.
  const seatable = new Int8Array(seats + 1);
  const seatableVersion = new Int32Array(seats + 1);
  let membersVersion = 0;
  // The party-size sums of the members gathered so far, kept as they join: with two teams they answer
  // the seating check without a search (see `canSeatWith`).
  let memberSums = NO_PARTIES;
  // For `fastForward`: whether a party of size class c could join the members gathered so far, at
  // [c]; and the state of a gather that it reads and moves.
  const mayJoin = new Uint8Array(sizeClasses);
  let scanLeft = 0;
  let scanRight = 0;
  let scanExamined = 0;

  for (let p = 0; p < count; p++) {
    const anchor = byCreation[p]!;
    const start = rank[anchor]!;
    if (!unmatched.has(start)) continue;
    const eligible = eligibleRegionsByLatency(anchor);
    for (let r = 0; r < eligible; r++) {
      const size = gather(anchor, regionOrder[r]!, start);
      if (size === 0) continue;
      if (!propose(size, regionOrder[r]!)) continue;
      for (let m = 0; m < size; m++) {
        const at = memberRank[m]!;
        const sizeClass = Math.min(memberPartySize[m]!, sizeClasses - 1);
        for (let other = 0; other < regionCount; other++) {
          alive[other]!.remove(at);
          if (sizeClasses > 0) bySize[other * sizeClasses + sizeClass]!.remove(at);
        }
        unmatched.remove(at);
      }
      break;
    }
  }
  return recorder.finish(tickets, queue.regions.map((region) => region.name), queue.teamCount);

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

  /**
   * Gathers a full match around `anchor` (at rank `start`) in region `region` into `members`;
   * returns how many, or 0 when it cannot fill one.
   */
  function gather(anchor: number, region: number, start: number): number {
    const candidates = alive[region]!;
    const anchorSkill = record[anchor * stride + RECORD_SKILL]!;
    const anchorWindow = record[anchor * stride + RECORD_WINDOW]!;
    members[0] = anchor;
    memberRank[0] = start;
    memberSkill[0] = anchorSkill;
    memberPartySize[0] = record[anchor * stride + RECORD_PARTY_SIZE]!;
    memberCreatedAt[0] = record[anchor * stride + RECORD_CREATED_AT]!;
    let size = 1;
    let seated = memberPartySize[0];
    let lowest = anchorSkill;
    let highest = lowest;
    // Every member's skill must lie within every member's window: the intersection of windows.
    let floor = lowest - anchorWindow;
    let ceiling = lowest + anchorWindow;
    forgetSeating();
    memberSums = withParty(NO_PARTIES, memberPartySize[0]);
    // Whether `mayJoin` holds for the members gathered so far.
    let mayJoinKnown = false;
    let sizeRejections = 0;
    let left = candidates.atOrBefore(start - 1);
    let right = candidates.atOrAfter(start + 1);
    for (let examined = 0; seated < seats && examined < scanLimit; examined++) {
      if (sizeRejections >= SIZE_REJECTIONS_BEFORE_JUMPING) {
        if (!mayJoinKnown) markWhoMayJoin(size, seats - seated);
        mayJoinKnown = true;
        scanLeft = left;
        scanRight = right;
        scanExamined = examined;
        if (!fastForward(region, anchorSkill, floor, ceiling)) return 0;
        left = scanLeft;
        right = scanRight;
        examined = scanExamined;
        if (examined >= scanLimit) break;
      }
      const leftSkill = left >= 0 ? floats[ENTRY_FLOATS * left + ENTRY_SKILL]! : Number.NaN;
      const rightSkill = right < count ? floats[ENTRY_FLOATS * right + ENTRY_SKILL]! : Number.NaN;
      const leftOk = left >= 0 && leftSkill >= floor;
      const rightOk = right < count && rightSkill <= ceiling;
      if (!leftOk && !rightOk) break;
      let at: number;
      let s: number;
      if (leftOk && (!rightOk || anchorSkill - leftSkill <= rightSkill - anchorSkill)) {
        at = left;
        s = leftSkill;
        left = candidates.atOrBefore(left - 1);
      } else {
        at = right;
        s = rightSkill;
        right = candidates.atOrAfter(right + 1);
      }
      const w = floats[ENTRY_FLOATS * at + ENTRY_WINDOW]!;
      const nextFloor = Math.max(floor, s - w);
      const nextCeiling = Math.min(ceiling, s + w);
      const nextLowest = Math.min(lowest, s);
      const nextHighest = Math.max(highest, s);
      if (nextFloor > nextLowest || nextHighest > nextCeiling) continue;
      const candidateSize = ints[ENTRY_INTS * at + ENTRY_PARTY_SIZE]!;
      // Solo players always fit in the seats left; only parties need the packing check.
      if (seated + candidateSize > seats || (candidateSize > 1 && !canSeatWith(size, seated, candidateSize))) {
        sizeRejections++;
        continue;
      }
      forgetSeating();
      memberSums = withParty(memberSums, candidateSize);
      memberRank[size] = at;
      memberSkill[size] = s;
      memberPartySize[size] = candidateSize;
      memberCreatedAt[size] = floats[ENTRY_FLOATS * at + ENTRY_CREATED_AT]!;
      members[size++] = ints[ENTRY_INTS * at + ENTRY_TICKET]!;
      seated += candidateSize;
      floor = nextFloor;
      ceiling = nextCeiling;
      lowest = nextLowest;
      highest = nextHighest;
      mayJoinKnown = false;
      sizeRejections = 0;
    }
    return seated === seats ? size : 0;
  }

  /** Fills `mayJoin` for the first `size` members with `free` seats left: which party size classes could join. */
  function markWhoMayJoin(size: number, free: number): void {
    const last = sizeClasses - 1;
    // Solo players (and empty tickets) fit whenever a seat is free; parties need the packing check.
    for (let s = 0; s < last; s++) mayJoin[s] = s <= free && (s <= 1 || canSeatWith(size, seats - free, s)) ? 1 : 0;
    // The last class holds every larger size too: it may join if its smallest size fits the seats,
    // and the candidate's own check decides.
    mayJoin[last] = last <= free ? 1 : 0;
  }

  /**
   * Moves the scan (`scanLeft`, `scanRight`, `scanExamined`) to the next candidate, in the order the
   * scan would meet them, whose party size class could join, counting every candidate passed over
   * as examined: those are turned down for their size whatever their skill, so they are found and
   * counted in the region's bitsets without reading them. Afterwards that candidate is the closer of
   * the two ends, where the scan goes on as usual. False when no such candidate lies within the
   * scan's limit and the skill range, where the scan would have turned down everything left: the
   * gather fails.
   */
  function fastForward(region: number, anchorSkill: number, floor: number, ceiling: number): boolean {
    const candidates = alive[region]!;
    const left = scanLeft;
    const right = scanRight;
    const remaining = scanLimit - scanExamined;
    let nextLeft = -1;
    let nextRight = count;
    for (let c = 0; c < sizeClasses; c++) {
      if (mayJoin[c] === 0) continue;
      const bits = bySize[region * sizeClasses + c]!;
      nextLeft = Math.max(nextLeft, bits.atOrBefore(left));
      nextRight = Math.min(nextRight, bits.atOrAfter(right));
    }
    // Where the candidates passed over end on each side: at the one found when it is within the
    // skill range, else at the end of the range, looked for only between the scan and that one.
    const leftInRange = nextLeft >= 0 && floats[ENTRY_FLOATS * nextLeft + ENTRY_SKILL]! >= floor;
    const leftFrom = leftInRange ? nextLeft + 1 : firstRankFrom(index, nextLeft + 1, Math.max(left + 1, nextLeft + 1), 0, floor, false);
    const passedLeft = candidates.countBetween(leftFrom, left + 1, remaining);
    const leftFound = leftInRange && passedLeft < remaining;
    const rightInRange = nextRight < count && floats[ENTRY_FLOATS * nextRight + ENTRY_SKILL]! <= ceiling;
    const rightTo = rightInRange ? nextRight : firstRankFrom(index, Math.min(right, nextRight), nextRight, 0, ceiling, true);
    const passedRight = candidates.countBetween(right, rightTo, remaining);
    const rightFound = rightInRange && passedRight < remaining;
    if (!leftFound && !rightFound) return false;
    if (leftFound && (!rightFound || anchorSkill - floats[ENTRY_FLOATS * nextLeft + ENTRY_SKILL]! <= floats[ENTRY_FLOATS * nextRight + ENTRY_SKILL]! - anchorSkill)) {
      // The right end's candidates met first are those strictly closer.
      const distance = anchorSkill - floats[ENTRY_FLOATS * nextLeft + ENTRY_SKILL]!;
      const boundary = firstRankFrom(index, Math.min(right, rightTo), rightTo, anchorSkill, distance, false);
      const passed = passedLeft + candidates.countBetween(right, boundary, remaining);
      if (passed >= remaining) return false;
      scanExamined += passed;
      scanLeft = nextLeft;
      scanRight = candidates.atOrAfter(Math.max(boundary, right));
    } else {
      // The left end's candidates met first are those as close or closer (ties go left).
      const distance = floats[ENTRY_FLOATS * nextRight + ENTRY_SKILL]! - anchorSkill;
      const boundary = firstRankFrom(index, Math.min(leftFrom, left + 1), left + 1, anchorSkill, -distance, false);
      const passed = passedRight + candidates.countBetween(boundary, left + 1, remaining);
      if (passed >= remaining) return false;
      scanExamined += passed;
      scanRight = nextRight;
      scanLeft = candidates.atOrBefore(boundary - 1);
    }
    return true;
  }

  /** Forgets what `seatable` knows, once members have changed. */
  function forgetSeating(): void {
    membersVersion++;
  }

  /**
   * Whether the first `size` members, taking `seated` seats, and a party of `candidateSize` can be
   * seated whole: from the members' size sums where those give the seating check's answer, else by
   * the check itself, remembered until the members change.
   */
  function canSeatWith(size: number, seated: number, candidateSize: number): boolean {
    if (twoTeamsExact(queue.teamCount, size + 1, seated + candidateSize)) {
      return fitsTwoTeams(withParty(memberSums, candidateSize), seated + candidateSize, queue.teamSize, queue.teamSize);
    }
    if (seatableVersion[candidateSize] === membersVersion) return seatable[candidateSize] === 1;
    for (let m = 0; m < size; m++) seatingSizes[m] = memberPartySize[m]!;
    seatingSizes[size] = candidateSize;
    const answer = canSeatSizes(seatingSizes, size + 1, fullTeams, queue.teamCount);
    seatable[candidateSize] = answer ? 1 : 0;
    seatableVersion[candidateSize] = membersVersion;
    return answer;
  }

  /** Splits the gathered members into teams and records the match; false when they cannot fill the teams. */
  function propose(size: number, region: number): boolean {
    for (let m = 0; m < size; m++) memberSkillSum[m] = memberSkill[m]! * memberPartySize[m]!;
    if (!splitIntoTeamsInto(memberPartySize, memberSkillSum, size, queue.teamCount, queue.teamSize, memberTeam, teamSkill)) return false;
    let lowest = Infinity;
    let highest = -Infinity;
    let oldest = Infinity;
    for (let m = 0; m < size; m++) {
      lowest = Math.min(lowest, memberSkill[m]!);
      highest = Math.max(highest, memberSkill[m]!);
      oldest = Math.min(oldest, memberCreatedAt[m]!);
    }
    matchFacts[FACT_SKILL_SPREAD] = highest - lowest;
    matchFacts[FACT_TEAM_IMBALANCE] = teamImbalance(teamSkill, queue.teamCount, queue.teamSize);
    matchFacts[FACT_LONGEST_WAIT] = Math.max(0, now - oldest);
    recorder.add(members, memberTeam, size, region, matchFacts);
    return true;
  }
}
