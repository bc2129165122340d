import type { MatchableTicket } from "./match-finder.ts";
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

const float64 = (length: number): Float64Array => new Float64Array(length);

/**
 * Reads waiting tickets into {@link WaitingColumns}, reusing its arrays from one read to the next:
 * a read's columns hold until the reader's next read. One reader per queue keeps each queue's
 * columns apart while passes over different queues interleave at their awaits.
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
    latencyMs.fill(Number.NaN);
    for (let i = 0; i < count; i++) {
      const ticket = tickets[i]!;
      skill[i] = partySkill(ticket.players);
      partySize[i] = ticket.players.length;
      createdAt[i] = ticket.createdAt;
      const latencies = ticket.latencyMs;
      // The ticket's own few keys, each found among `regions`, rather than a lookup per region by
      // name: property reads by a key that varies from read to read are V8's slow kind.
      for (const region in latencies) {
        const r = regions.indexOf(region);
        if (r >= 0) latencyMs[i * width + r] = latencies[region]!;
      }
    }
    return { tickets, regions, skill, partySize, createdAt, latencyMs };
  }
}
