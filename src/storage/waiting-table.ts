import { partySkill, type WaitingTicket } from "../domain/ticket.ts";
import { writeLatencies, type WaitingColumns } from "../domain/waiting-columns.ts";
import { ReusableArray } from "../domain/reusable-array.ts";

const FIRST_CAPACITY = 64;

const float64 = (length: number): Float64Array => new Float64Array(length);
const int32 = (length: number): Int32Array => new Int32Array(length);

/**
 * One queue's waiting tickets in the order they were added, each one's numbers (what a matching
 * pass reads, see {@link WaitingColumns}) written into typed arrays when it arrives. The in-memory
 * store keeps its queued tickets here; the Redis store the documents its passes have read.
 *
 * Why: a pass then copies arrays instead of reading every ticket object (its players, its latency
 * to each region by name) on every tick: a ticket's numbers are read once, when it is added,
 * however many passes it waits through.
 *
 * A ticket that leaves only frees its slot, so leaving costs one map deletion; {@link snapshot}
 * skips freed slots. The table closes them up, keeping the order, when its arrays are full and at
 * least half their slots are free, and gives room back when the queue is down to a quarter of it.
 */
export class WaitingTable<T extends WaitingTicket> {
  /** By slot; undefined where the ticket has left. */
  #tickets: (T | undefined)[] = [];
  readonly #slotOf = new Map<string, number>();
  #skill = float64(FIRST_CAPACITY);
  #partySize = int32(FIRST_CAPACITY);
  #createdAt = float64(FIRST_CAPACITY);
  /** Kept for {@link expiringBy}, which a pass asks before every snapshot. */
  #expiresAt = float64(FIRST_CAPACITY);
  /** Region names, in the order the table first met them: the latency columns (the queue's own; Enqueue refuses others). */
  #regions: string[] = [];
  /** Slot s's latency to `#regions[r]` at `[s * #regions.length + r]`; NaN where it gave none. */
  #latencyMs = float64(0);
  /** Slots in use, freed ones included. */
  #used = 0;
  /** What {@link snapshot} hands out, reused from one snapshot to the next. */
  #out = snapshotArrays();
  /** Scratch: the slots a snapshot copies. */
  readonly #slots = new ReusableArray(int32);
  /** Scratch: whether each slot is named by the list {@link narrowTo} was given (1) or not (0). */
  readonly #listed = new ReusableArray((length) => new Uint8Array(length));

  /** Tickets in the table. */
  get size(): number {
    return this.#slotOf.size;
  }

  has(ticketId: string): boolean {
    return this.#slotOf.has(ticketId);
  }

  get(ticketId: string): T | undefined {
    const slot = this.#slotOf.get(ticketId);
    return slot === undefined ? undefined : this.#tickets[slot];
  }

  /** The queued tickets whose time to live is over at `now`, in order: found without reading the others. */
  expiringBy(now: number): T[] {
    const due: T[] = [];
    for (let slot = 0; slot < this.#used; slot++) {
      if (this.#expiresAt[slot]! > now) continue;
      const ticket = this.#tickets[slot];
      if (ticket !== undefined) due.push(ticket);
    }
    return due;
  }

  /** Queues `ticket` last (a version of it already queued leaves first). */
  add(ticket: T): void {
    this.delete(ticket.id);
    if (this.#used === this.#skill.length) this.#makeRoom();
    for (const region in ticket.latencyMs) if (!this.#regions.includes(region)) this.#addRegion(region);
    const slot = this.#used++;
    this.#tickets[slot] = ticket;
    this.#slotOf.set(ticket.id, slot);
    this.#skill[slot] = partySkill(ticket.players);
    this.#partySize[slot] = ticket.players.length;
    this.#createdAt[slot] = ticket.createdAt;
    this.#expiresAt[slot] = ticket.expiresAt;
    writeLatencies(ticket.latencyMs, this.#regions, this.#latencyMs, slot * this.#regions.length);
  }

  /** Takes the ticket out of the queue; false when it was not queued. */
  delete(ticketId: string): boolean {
    const slot = this.#slotOf.get(ticketId);
    if (slot === undefined) return false;
    this.#slotOf.delete(ticketId);
    this.#tickets[slot] = undefined;
    return true;
  }

  /**
   * Every ticket in the table in order, with its numbers. The columns are the table's snapshot
   * arrays, reused: they hold until its next snapshot, which is the next pass over the queue.
   */
  snapshot(): WaitingColumns<T> {
    if (this.#skill.length > FIRST_CAPACITY && 4 * this.#slotOf.size < this.#skill.length) this.#shrink();
    const slots = this.#slots.atLeast(this.#slotOf.size);
    let count = 0;
    for (let slot = 0; slot < this.#used; slot++) if (this.#tickets[slot] !== undefined) slots[count++] = slot;
    return this.#copy(slots, count);
  }

  /**
   * Drops every ticket `ids` does not name, and hands the {@link snapshot} of the others in the
   * order of `ids`: for a store whose listing says which tickets still wait, and in what order.
   */
  narrowTo(ids: readonly string[]): WaitingColumns<T> {
    if (this.#skill.length > FIRST_CAPACITY && 4 * this.#slotOf.size < this.#skill.length) this.#shrink();
    const slots = this.#locate(ids);
    const listed = this.#listed.take(this.#used).fill(0);
    let count = 0;
    for (let i = 0; i < ids.length; i++) {
      const slot = slots[i]!;
      if (slot < 0) continue;
      listed[slot] = 1;
      slots[count++] = slot;
    }
    for (let slot = 0; slot < this.#used; slot++) {
      const ticket = this.#tickets[slot];
      if (ticket !== undefined && listed[slot] === 0) this.delete(ticket.id);
    }
    return this.#copy(slots, count);
  }

  /** The ids among `ids` that the table does not hold, in that order. */
  missingFrom(ids: readonly string[]): string[] {
    const slots = this.#locate(ids);
    return ids.filter((_, i) => slots[i]! < 0);
  }

  /** Lets the arrays of the last snapshot go (the next snapshot makes new ones): for a queue no pass runs over for now. */
  forgetSnapshot(): void {
    this.#out = snapshotArrays();
  }

  /**
   * The slot of each of `ids` (-1 where the table has none), in scratch reused by the next call.
   * Walks the table alongside the ids, which mostly come in the order the tickets were added
   * (the order Redis lists a queue in, but for tickets back from a failed allocation), and looks
   * an id up only where the two part: a comparison of ids costs less than a lookup in a map of
   * the whole queue.
   */
  #locate(ids: readonly string[]): Int32Array {
    const slots = this.#slots.atLeast(ids.length);
    let cursor = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      while (cursor < this.#used && this.#tickets[cursor] === undefined) cursor++;
      if (cursor < this.#used && this.#tickets[cursor]!.id === id) {
        slots[i] = cursor++;
        continue;
      }
      const slot = this.#slotOf.get(id);
      slots[i] = slot ?? -1;
      if (slot !== undefined) cursor = slot + 1;
    }
    return slots;
  }

  /** The columns of the first `count` of `slots`, in that order. */
  #copy(slots: Int32Array, count: number): WaitingColumns<T> {
    const width = this.#regions.length;
    const tickets = new Array<T>(count);
    const skill = this.#out.skill.take(count);
    const partySize = this.#out.partySize.take(count);
    const createdAt = this.#out.createdAt.take(count);
    const latencyMs = this.#out.latencyMs.take(count * width);
    for (let at = 0; at < count; at++) {
      const slot = slots[at]!;
      tickets[at] = this.#tickets[slot]!;
      skill[at] = this.#skill[slot]!;
      partySize[at] = this.#partySize[slot]!;
      createdAt[at] = this.#createdAt[slot]!;
      for (let r = 0; r < width; r++) latencyMs[at * width + r] = this.#latencyMs[slot * width + r]!;
    }
    return { tickets, regions: [...this.#regions], skill, partySize, createdAt, latencyMs };
  }

  /**
   * Before appending to full arrays: closes up freed slots when they are at least half of them
   * (each ticket then moves once per as many departures as there are tickets), else grows.
   */
  #makeRoom(): void {
    if (2 * this.#slotOf.size <= this.#used) {
      this.#closeUp();
      return;
    }
    const capacity = 2 * this.#skill.length;
    this.#skill = grown(this.#skill, float64(capacity));
    this.#partySize = grown(this.#partySize, int32(capacity));
    this.#createdAt = grown(this.#createdAt, float64(capacity));
    this.#expiresAt = grown(this.#expiresAt, float64(capacity));
    this.#latencyMs = grown(this.#latencyMs, float64(capacity * this.#regions.length));
  }

  /**
   * After the queue has drained to a quarter of the table's room: arrays half full again, and the
   * snapshot's arrays made afresh, so that a queue that once held a million tickets does not keep
   * their room for good.
   */
  #shrink(): void {
    this.#closeUp();
    const capacity = Math.max(FIRST_CAPACITY, 2 * this.#used);
    const width = this.#regions.length;
    this.#skill = this.#skill.slice(0, capacity);
    this.#partySize = this.#partySize.slice(0, capacity);
    this.#createdAt = this.#createdAt.slice(0, capacity);
    this.#expiresAt = this.#expiresAt.slice(0, capacity);
    this.#latencyMs = this.#latencyMs.slice(0, capacity * width);
    this.#out = snapshotArrays();
  }

  /** Moves every queued ticket down over the freed slots before it, keeping the order. */
  #closeUp(): void {
    let at = 0;
    for (let slot = 0; slot < this.#used; slot++) {
      if (this.#tickets[slot] === undefined) continue;
      if (at !== slot) this.#moveDown(slot, at);
      at++;
    }
    this.#tickets.length = at;
    this.#used = at;
  }

  /** Moves the ticket of slot `slot`, with its numbers, down to the freed slot `at`. */
  #moveDown(slot: number, at: number): void {
    const ticket = this.#tickets[slot]!;
    const width = this.#regions.length;
    this.#tickets[at] = ticket;
    this.#slotOf.set(ticket.id, at);
    this.#skill[at] = this.#skill[slot]!;
    this.#partySize[at] = this.#partySize[slot]!;
    this.#createdAt[at] = this.#createdAt[slot]!;
    this.#expiresAt[at] = this.#expiresAt[slot]!;
    this.#latencyMs.copyWithin(at * width, slot * width, (slot + 1) * width);
  }

  /** A latency column for a region met for the first time: NaN for every ticket before. */
  #addRegion(region: string): void {
    const width = this.#regions.length;
    const capacity = this.#skill.length;
    const latencyMs = float64(capacity * (width + 1)).fill(Number.NaN);
    for (let slot = 0; slot < this.#used; slot++) latencyMs.set(this.#latencyMs.subarray(slot * width, (slot + 1) * width), slot * (width + 1));
    this.#latencyMs = latencyMs;
    this.#regions = [...this.#regions, region];
  }
}

/** Where {@link WaitingTable.snapshot} writes, reused from one snapshot to the next. */
function snapshotArrays() {
  return {
    skill: new ReusableArray(float64),
    partySize: new ReusableArray(int32),
    createdAt: new ReusableArray(float64),
    latencyMs: new ReusableArray(float64),
  };
}

/** `into` with `from` copied into its start. */
function grown<A extends Float64Array | Int32Array>(from: A, into: A): A {
  into.set(from);
  return into;
}
