import type { MatchableTicket, ProposedMatch } from "./match-finder.ts";
import { ReusableArray } from "./reusable-array.ts";

/**
 * The matches of one pass, stored in a few typed arrays: member k of every match (matches one
 * after the other, each in member order) is ticket `member[k]` of the pass's input, on team
 * `team[k]`; match m's members are `start[m]` to `start[m + 1]`.
 *
 * Why: a large pass forms hundreds of thousands of matches, read after it until its claims are
 * made, so building a match object with its ticket and team arrays for each made most of the
 * pass's allocation, copied again by every young-generation collection it survived. Here a match
 * costs a few numbers; its object and arrays are built only when someone asks for it (see
 * {@link FormedMatches}).
 */
interface MatchTable<T extends MatchableTicket> {
  /** The recorder whose arrays these are, and which of its passes: the table holds until the next. */
  readonly recorder: MatchRecorder;
  readonly pass: number;
  readonly tickets: readonly T[];
  readonly regionNames: readonly string[];
  readonly teamCount: number;
  readonly start: Int32Array;
  readonly member: Int32Array;
  readonly team: Int32Array;
  readonly region: Int32Array;
  /** Per match, {@link MATCH_FACTS} numbers at `[m * MATCH_FACTS]`: see {@link MatchRecorder.add}. */
  readonly facts: Float64Array;
}

/** Where a match's skill spread (highest minus lowest party skill) sits among its facts. */
export const FACT_SKILL_SPREAD = 0;
/** Where a match's team imbalance (highest minus lowest team mean skill) sits among its facts. */
export const FACT_TEAM_IMBALANCE = 1;
/** Where the waiting time of a match's oldest ticket sits among its facts. */
export const FACT_LONGEST_WAIT = 2;
/** How many facts a match has, in the array {@link MatchRecorder.add} takes and in the table. */
export const MATCH_FACTS = 3;

/**
 * Thrown when matches are read after their {@link MatchRecorder} began another pass, which reuses
 * the arrays they live in: reading on would see the newer pass's matches.
 */
export class StaleMatchesError extends Error {
  constructor() {
    super("these matches were overwritten by a later pass of their recorder");
    this.name = "StaleMatchesError";
  }
}

/** Match `index` of `table`, its ticket and team arrays built now. */
function matchAt<T extends MatchableTicket>(table: MatchTable<T>, index: number): ProposedMatch<T> {
  const { start, member, team, teamCount, tickets, facts } = table;
  const from = start[index]!;
  const to = start[index + 1]!;
  const members = new Array<T>(to - from);
  const teams: T[][] = [];
  for (let t = 0; t < teamCount; t++) teams.push([]);
  for (let k = from; k < to; k++) {
    const ticket = tickets[member[k]!]!;
    members[k - from] = ticket;
    teams[team[k]!]!.push(ticket);
  }
  return {
    region: table.regionNames[table.region[index]!]!,
    tickets: members,
    teams,
    skillSpread: facts[index * MATCH_FACTS + FACT_SKILL_SPREAD]!,
    teamImbalance: facts[index * MATCH_FACTS + FACT_TEAM_IMBALANCE]!,
    longestWaitMs: facts[index * MATCH_FACTS + FACT_LONGEST_WAIT]!,
  };
}

/**
 * The matches of one pass, in the order they were formed (oldest anchor first), read by index.
 *
 * Why not an array of match objects: an object per match, built in the pass, was the last
 * allocation that grew with its matches (about 40 bytes each, 490k in a 1M-ticket duel pass), and
 * they were mostly thrown away: the matching loop claims only the matches placement has room for.
 * Reading a match's region costs no object; {@link at} builds one for the matches that are claimed.
 *
 * They live in their {@link MatchRecorder}'s arrays and hold until its next pass; reading them after
 * that throws {@link StaleMatchesError}.
 */
export class FormedMatches<T extends MatchableTicket> implements Iterable<ProposedMatch<T>> {
  readonly #table: MatchTable<T>;

  constructor(table: MatchTable<T>) {
    this.#table = table;
  }

  /** How many matches the pass formed. */
  get length(): number {
    return this.#current().region.length;
  }

  /** The regions the pass could match in, in the order of its rules. */
  get regions(): readonly string[] {
    return this.#table.regionNames;
  }

  /**
   * How many of the matches from `from` on are in each region (regions with none left out), without
   * building them: for a caller that leaves all the rest aside at once.
   */
  regionCounts(from: number): Map<string, number> {
    const { region, regionNames } = this.#current();
    const counts = new Int32Array(regionNames.length);
    for (let index = Math.max(0, from); index < region.length; index++) counts[region[index]!]!++;
    const result = new Map<string, number>();
    regionNames.forEach((name, r) => {
      if (counts[r]! > 0) result.set(name, counts[r]!);
    });
    return result;
  }

  /**
   * The region of match `index`, without building the match.
   *
   * @throws RangeError when there is no match `index`.
   */
  regionOf(index: number): string {
    return this.#table.regionNames[this.#table.region[this.#checked(index)]!]!;
  }

  /**
   * The positions, in the pass's input, of match `index`'s tickets, in member order: a view of the
   * pass's own array, to read and not to keep. Lets a caller mark the tickets it has placed by
   * position, where their ids would cost a hash lookup each.
   *
   * @throws RangeError when there is no match `index`.
   */
  ticketIndices(index: number): Int32Array {
    const { start, member } = this.#table;
    const checked = this.#checked(index);
    return member.subarray(start[checked]!, start[checked + 1]!);
  }

  /**
   * Match `index`, built on every call: build it once and keep it (placement reads a claimed
   * match's tickets several times).
   *
   * @throws RangeError when there is no match `index`.
   */
  at(index: number): ProposedMatch<T> {
    return matchAt(this.#table, this.#checked(index));
  }

  *[Symbol.iterator](): Iterator<ProposedMatch<T>> {
    for (let index = 0; index < this.length; index++) yield this.at(index);
  }

  #checked(index: number): number {
    const { length } = this.#current().region;
    if (!Number.isInteger(index) || index < 0 || index >= length) throw new RangeError(`no match ${index} among ${length}`);
    return index;
  }

  #current(): MatchTable<T> {
    const table = this.#table;
    if (!table.recorder.holds(table.pass)) throw new StaleMatchesError();
    return table;
  }
}

const int32 = (length: number): Int32Array => new Int32Array(length);

/**
 * Collects a pass's matches in arrays kept from pass to pass, and hands them out as the pass's
 * {@link FormedMatches}, valid until the recorder's next pass.
 *
 * Why not copy them out to arrays of their own: at a million tickets that is about 24 MB of fresh
 * external memory a pass, to which V8 answers with full collections of the heap, every waiting
 * ticket included (a quarter of a second each at a million tickets). A matching loop needs a pass's
 * matches only until its claims are made, before its next pass, so each loop keeps its own recorder.
 */
export class MatchRecorder {
  readonly #start = new ReusableArray(int32);
  readonly #member = new ReusableArray(int32);
  readonly #team = new ReusableArray(int32);
  readonly #region = new ReusableArray(int32);
  readonly #facts = new ReusableArray((length) => new Float64Array(length));
  #starts = int32(0);
  #members = int32(0);
  #teams = int32(0);
  #regions = int32(0);
  #factsOf = new Float64Array(0);
  #matches = 0;
  #size = 0;
  #pass = 0;

  /**
   * Starts a pass over `count` tickets (at most `count` members and `count` matches); the matches
   * of the previous pass are gone.
   */
  begin(count: number): void {
    this.#pass++;
    this.#starts = this.#start.atLeast(count + 1);
    this.#members = this.#member.atLeast(count);
    this.#teams = this.#team.atLeast(count);
    this.#regions = this.#region.atLeast(count);
    this.#factsOf = this.#facts.atLeast(count * MATCH_FACTS);
    this.#matches = 0;
    this.#size = 0;
    this.#starts[0] = 0;
  }

  /**
   * Adds a match: its first `size` members (ticket indices) and their teams, in member order, and
   * its {@link MATCH_FACTS} facts from `facts` (at {@link FACT_SKILL_SPREAD} and after). The facts
   * come in an array, as numbers passed to a call that is not inlined are boxed.
   */
  add(members: Int32Array, teams: Int32Array, size: number, region: number, facts: Float64Array): void {
    const at = this.#size;
    for (let m = 0; m < size; m++) {
      this.#members[at + m] = members[m]!;
      this.#teams[at + m] = teams[m]!;
    }
    this.#size = at + size;
    const match = this.#matches++;
    this.#starts[match + 1] = this.#size;
    this.#regions[match] = region;
    for (let f = 0; f < MATCH_FACTS; f++) this.#factsOf[match * MATCH_FACTS + f] = facts[f]!;
  }

  /** The matches added since {@link begin}, reading `tickets` (the pass's input) and `regionNames` by index. */
  finish<T extends MatchableTicket>(tickets: readonly T[], regionNames: readonly string[], teamCount: number): FormedMatches<T> {
    const count = this.#matches;
    return new FormedMatches({
      recorder: this,
      pass: this.#pass,
      tickets,
      regionNames,
      teamCount,
      start: this.#starts.subarray(0, count + 1),
      member: this.#members.subarray(0, this.#size),
      team: this.#teams.subarray(0, this.#size),
      region: this.#regions.subarray(0, count),
      facts: this.#factsOf.subarray(0, count * MATCH_FACTS),
    });
  }

  /** Whether the matches of `pass` are still in the arrays (no later pass has begun). */
  holds(pass: number): boolean {
    return pass === this.#pass;
  }
}
