import type { MatchableTicket } from "./match-finder.ts";
import type { RegionConfig } from "./queue-config.ts";
import { ReusableArray } from "./reusable-array.ts";
import { partySkill } from "./ticket.ts";

/**
 * A queue's waiting tickets as a matching pass reads them: the tickets in the order the store
 * listed them, and each one's numbers in typed arrays indexed like `tickets`.
 *
 * Why columns: a pass used to read the ticket objects twice, once to match and once to count who is
 * left in each region, and each read of a party's skill (an array of player objects) and of its
 * latencies (a lookup by region name per region) lands somewhere else in the heap. Read once into
 * arrays, the same numbers serve the matcher, the counts by region and anything else the pass
 * computes, at the cost of one sequential walk each.
 */
export interface WaitingColumns<T extends MatchableTicket> {
  readonly tickets: readonly T[];
  /** The region names `latencyMs` has a column for, in column order. */
  readonly regions: readonly string[];
  /** Mean skill of each ticket's players (see `partySkill`). */
  readonly skill: Float64Array;
  /** Players per ticket. */
  readonly partySize: Int32Array;
  /** Each ticket's enqueue time (its priority). */
  readonly createdAt: Float64Array;
  /** Ticket i's latency to region `regions[r]` at `[i * regions.length + r]`; NaN where it gave none. */
  readonly latencyMs: Float64Array;
}

/** No waiting tickets. */
export function noWaitingColumns<T extends MatchableTicket>(): WaitingColumns<T> {
  return { tickets: [], regions: [], skill: new Float64Array(0), partySize: new Int32Array(0), createdAt: new Float64Array(0), latencyMs: new Float64Array(0) };
}

/** Where each of `regions` is among the columns' latency columns (-1 where they have none). */
export function latencyColumnsOf<T extends MatchableTicket>(waiting: WaitingColumns<T>, regions: readonly RegionConfig[]): Int32Array {
  return Int32Array.from(regions, (region) => waiting.regions.indexOf(region.name));
}

/**
 * Writes a ticket's latencies into `into` from `at` on, one per region of `regions`, NaN where it
 * gave none. Walks the ticket's own few keys, finding each among `regions`, rather than looking
 * each region up by name: property reads by a key that varies from read to read are V8's slow kind.
 */
export function writeLatencies(latencyMs: Readonly<Record<string, number>>, regions: readonly string[], into: Float64Array, at: number): void {
  for (let r = 0; r < regions.length; r++) into[at + r] = Number.NaN;
  for (const region in latencyMs) {
    const r = regions.indexOf(region);
    if (r >= 0) into[at + r] = latencyMs[region]!;
  }
}

const float64 = (length: number): Float64Array => new Float64Array(length);

/**
 * Reads waiting tickets into {@link WaitingColumns}, reusing its arrays from one read to the next:
 * a read's columns hold until the reader's next read. For `findMatches`, whose callers hand it
 * ticket objects; the stores keep their tickets' numbers as the tickets arrive.
 *
 * Why reused: a queue of a million tickets needs about 40 MB of columns every pass; fresh buffers
 * each time count as new external memory, to which V8 answers with full collections of the heap.
 */
export class WaitingColumnsReader {
  readonly #skill = new ReusableArray(float64);
  readonly #partySize = new ReusableArray((length) => new Int32Array(length));
  readonly #createdAt = new ReusableArray(float64);
  readonly #latencyMs = new ReusableArray(float64);

  /** The columns of `tickets`, with a latency column for each of `regions`. */
  read<T extends MatchableTicket>(regions: readonly string[], tickets: readonly T[]): WaitingColumns<T> {
    const count = tickets.length;
    const width = regions.length;
    const skill = this.#skill.take(count);
    const partySize = this.#partySize.take(count);
    const createdAt = this.#createdAt.take(count);
    const latencyMs = this.#latencyMs.take(count * width);
    for (let i = 0; i < count; i++) {
      const ticket = tickets[i]!;
      skill[i] = partySkill(ticket.players);
      partySize[i] = ticket.players.length;
      createdAt[i] = ticket.createdAt;
      writeLatencies(ticket.latencyMs, regions, latencyMs, i * width);
    }
    return { tickets, regions, skill, partySize, createdAt, latencyMs };
  }
}
