import { AliveIndex } from "./alive-index.ts";
import { latencyLimitAfter, matchSize, skillWindowAfter, type QueueConfig } from "./queue-config.ts";
import { canSeat, splitIntoTeams } from "./team-balancer.ts";
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

/**
 * Forms as many matches as the queue's rules allow from the waiting tickets.
 *
 * Tickets are taken oldest first; each one, in its lowest-latency eligible region first, gathers the
 * closest-skilled tickets around it (scanning outward in a skill-sorted index) until the match is
 * full. A candidate joins only if, after joining, every ticket's current skill window contains every
 * ticket's skill (windows widen with waiting time), every ticket is within its current latency limit
 * for the region, and the parties can still be seated whole on the teams. Cost is O(n log n): one
 * sort per region plus a bounded scan per ticket.
 */
export function findMatches<T extends MatchableTicket>(queue: QueueConfig, tickets: readonly T[], now: number): ProposedMatch<T>[] {
  const count = tickets.length;
  const seats = matchSize(queue);
  const skill = new Float64Array(count);
  const window = new Float64Array(count);
  const partySize = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const ticket = tickets[i]!;
    skill[i] = partySkill(ticket.players);
    window[i] = skillWindowAfter(queue, now - ticket.createdAt);
    partySize[i] = ticket.players.length;
  }
  const regions = queue.regions.map((region) => indexRegion(queue, region.name, tickets, skill, now));
  const matched = new Uint8Array(count);
  const matches: ProposedMatch<T>[] = [];
  const scanLimit = CANDIDATES_PER_SEAT * seats + 64;

  for (const anchor of priorityOrder(tickets)) {
    if (matched[anchor] === 1) continue;
    const latencies = tickets[anchor]!.latencyMs;
    const eligible = regions
      .filter((region) => region.position[anchor]! >= 0)
      .sort((a, b) => latencies[a.name]! - latencies[b.name]!);
    for (const region of eligible) {
      const members = gather(anchor, region);
      if (members === undefined) continue;
      const match = propose(members, region.name);
      if (match === undefined) continue;
      for (const member of members) {
        matched[member] = 1;
        for (const other of regions) {
          const position = other.position[member]!;
          if (position >= 0) other.alive.remove(position);
        }
      }
      matches.push(match);
      break;
    }
  }
  return matches;

  function gather(anchor: number, region: RegionIndex): number[] | undefined {
    const { sorted, alive } = region;
    const start = region.position[anchor]!;
    const members = [anchor];
    const sizes = [partySize[anchor]!];
    let seated = partySize[anchor]!;
    let lowest = skill[anchor]!;
    let highest = lowest;
    // Every member's skill must lie within every member's window: the intersection of windows.
    let floor = lowest - window[anchor]!;
    let ceiling = lowest + window[anchor]!;
    let left = alive.atOrBefore(start - 1);
    let right = alive.atOrAfter(start + 1);
    for (let examined = 0; seated < seats && examined < scanLimit; examined++) {
      const leftOk = left >= 0 && skill[sorted[left]!]! >= floor;
      const rightOk = right < sorted.length && skill[sorted[right]!]! <= ceiling;
      if (!leftOk && !rightOk) break;
      let candidate: number;
      if (leftOk && (!rightOk || skill[anchor]! - skill[sorted[left]!]! <= skill[sorted[right]!]! - skill[anchor]!)) {
        candidate = sorted[left]!;
        left = alive.atOrBefore(left - 1);
      } else {
        candidate = sorted[right]!;
        right = alive.atOrAfter(right + 1);
      }
      const s = skill[candidate]!;
      const nextFloor = Math.max(floor, s - window[candidate]!);
      const nextCeiling = Math.min(ceiling, s + window[candidate]!);
      const nextLowest = Math.min(lowest, s);
      const nextHighest = Math.max(highest, s);
      if (nextFloor > nextLowest || nextHighest > nextCeiling) continue;
      const size = partySize[candidate]!;
      if (seated + size > seats) continue;
      if (size > 1 && !canSeat([...sizes, size], new Array<number>(queue.teamCount).fill(queue.teamSize))) continue;
      members.push(candidate);
      sizes.push(size);
      seated += size;
      floor = nextFloor;
      ceiling = nextCeiling;
      lowest = nextLowest;
      highest = nextHighest;
    }
    return seated === seats ? members : undefined;
  }

  function propose(members: readonly number[], region: string): ProposedMatch<T> | undefined {
    const split = splitIntoTeams(
      members.map((member) => ({ size: partySize[member]!, skillSum: skill[member]! * partySize[member]! })),
      queue.teamCount,
      queue.teamSize,
    );
    if (split === undefined) return undefined;
    const teams: T[][] = Array.from({ length: queue.teamCount }, () => []);
    let lowest = Infinity;
    let highest = -Infinity;
    let oldest = Infinity;
    members.forEach((member, k) => {
      teams[split.teamOfParty[k]!]!.push(tickets[member]!);
      lowest = Math.min(lowest, skill[member]!);
      highest = Math.max(highest, skill[member]!);
      oldest = Math.min(oldest, tickets[member]!.createdAt);
    });
    return {
      region,
      tickets: members.map((member) => tickets[member]!),
      teams,
      skillSpread: highest - lowest,
      teamImbalance: split.imbalance,
      longestWaitMs: Math.max(0, now - oldest),
    };
  }
}

/** The tickets eligible for one region, sorted by skill, with the matcher's bookkeeping. */
interface RegionIndex {
  readonly name: string;
  /** Ticket indices sorted by skill (ties: older first). */
  readonly sorted: Int32Array;
  /** Position of each ticket in `sorted`, or -1 when not eligible here. */
  readonly position: Int32Array;
  readonly alive: AliveIndex;
}

function indexRegion<T extends MatchableTicket>(
  queue: QueueConfig,
  name: string,
  tickets: readonly T[],
  skill: Float64Array,
  now: number,
): RegionIndex {
  const region = queue.regions.find((candidate) => candidate.name === name)!;
  const eligible: number[] = [];
  for (let i = 0; i < tickets.length; i++) {
    const ticket = tickets[i]!;
    const latency = ticket.latencyMs[name];
    if (latency !== undefined && latency <= latencyLimitAfter(queue, region, now - ticket.createdAt)) eligible.push(i);
  }
  const sorted = Int32Array.from(eligible).sort(
    (a, b) => skill[a]! - skill[b]! || tickets[a]!.createdAt - tickets[b]!.createdAt,
  );
  const position = new Int32Array(tickets.length).fill(-1);
  sorted.forEach((ticket, index) => {
    position[ticket] = index;
  });
  return { name, sorted, position, alive: new AliveIndex(sorted.length) };
}

/** Ticket indices in matching priority order. */
function priorityOrder(tickets: readonly MatchableTicket[]): Int32Array {
  const order = new Int32Array(tickets.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => comparePriority(tickets[a]!, tickets[b]!));
}
