/** One change to a queue's sorted set of queued tickets. */
export interface QueuedChange {
  /** Added to the set (with `createdAt` as its score), or removed from it. */
  readonly added: boolean;
  readonly id: string;
  /** The ticket's score, for an addition (0 for a removal). */
  readonly createdAt: number;
}

/** One entry of a queue's change log: one store script's changes, as `ticket-lib.lua` logs them. */
export interface ChangeLogEntry {
  /** The entry's number in the log: 1, 2, 3 and so on, without gaps. */
  readonly seq: number;
  /** The entry as logged (its changes and the time it was logged at), to recognise it. */
  readonly text: string;
  readonly changes: readonly QueuedChange[];
}

/** Where a queue's change log stands: the epoch it was begun in and its last entry's number. */
export interface ChangeLogHead {
  /** Absent while nothing has been logged (or the log's keys are gone). */
  readonly epoch: string | undefined;
  readonly seq: number;
}

/**
 * A copy of one queue's sorted set of queued tickets (ids by createdAt, then id, as `ZRANGE` lists
 * them), kept by the instance that runs the queue's passes and brought up to date from the queue's
 * change log: each pass reads the changes since the last one instead of every id.
 *
 * Why: listing a queue of 100k tickets whole was most of what opening a Redis pass cost (the ids'
 * strings, read and decoded every tick); a tick changes a few thousand of them. A copy that cannot
 * follow the log (another epoch, a gap where the log was trimmed or lost, a count that does not
 * add up) says so, and the store lists the queue whole again.
 */
export class QueueListing {
  /** When the queue was last listed whole (epoch ms); the store lists it whole again after a while. */
  readonly listedWholeAt: number;
  readonly #epoch: string | undefined;
  #seq: number;
  /** Entry {@link seq} itself, to recognise it in the log next time (undefined: unknown). */
  #last: ChangeLogEntry | undefined;
  #ids: string[];
  #createdAt: number[];
  /** Whether `#createdAt` holds the tickets' scores (a listing made whole learns them after). */
  #createdAtKnown: boolean;

  private constructor(head: ChangeLogHead, last: ChangeLogEntry | undefined, ids: string[], listedWholeAt: number) {
    this.#epoch = head.epoch;
    this.#seq = head.seq;
    this.#last = last?.seq === head.seq ? last : undefined;
    this.#ids = ids;
    this.#createdAt = new Array<number>(ids.length).fill(Number.NaN);
    this.#createdAtKnown = false;
    this.listedWholeAt = listedWholeAt;
  }

  /**
   * The listing from a whole `ZRANGE` of the ids read at `head`, in one transaction with it and with
   * the log's last entry (`XREVRANGE ... COUNT 1`; undefined when the log has none). It follows the
   * log once it has learnt the tickets' creation times ({@link learnCreatedAt}).
   *
   * Why not `ZRANGE ... WITHSCORES`: at 100k tickets the scores made the listing about three times
   * as slow (Redis writes each as text, the client parses it back), and the pass reads each listed
   * ticket's creation time anyway.
   */
  static whole(head: ChangeLogHead, last: ChangeLogEntry | undefined, ids: string[], now: number): QueueListing {
    return new QueueListing(head, last, ids, now);
  }

  /**
   * Fills in a listing made whole with its tickets' creation times (their scores) from `tickets`,
   * the listed tickets whose documents the pass found, in the listing's order, with their creation
   * times in `createdAt` (a listing that followed the log knows them already). A listed id without
   * a document (its ticket gone) takes the time of the one before: it is never matched, so where
   * later additions go around it does not matter.
   */
  learnCreatedAt(tickets: readonly { readonly id: string }[], createdAt: Float64Array): void {
    if (this.#createdAtKnown) return;
    let known = 0;
    let previous = -Infinity;
    for (let k = 0; k < this.#ids.length; k++) {
      if (known < tickets.length && tickets[known]!.id === this.#ids[k]) previous = createdAt[known++]!;
      this.#createdAt[k] = previous;
    }
    this.#createdAtKnown = true;
  }

  /**
   * Where a pass reads the log from: entry {@link seq} itself (so that {@link follow} can tell it
   * is the one this listing saw), or the start when the listing saw none.
   */
  get readFrom(): string {
    return this.#seq === 0 ? "-" : `0-${this.#seq}`;
  }

  /** The queued ids in the sorted set's order. */
  get ids(): readonly string[] {
    return this.#ids;
  }

  /** The epoch of the log the listing follows (undefined: none yet). */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** The number of the log's last entry the listing includes. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Brings the listing up to `head` with `read`, the log from {@link readFrom} on (entry
   * {@link seq} itself first, unless the listing saw none), read in one transaction with `head` and
   * with `queuedCount`, the set's size then. Returns false, and leaves the listing as it was, when
   * they cannot bring it there:
   * - the log was begun afresh (another epoch);
   * - entry {@link seq} is not the one the listing saw: the log was rewound and its numbers used
   *   again (a failover that lost the last writes keeps the epoch);
   * - some entries are missing (trimmed, lost, or more than were read);
   * - the result's size is not the set's (a change made without logging it, as by an instance of
   *   an older version).
   */
  follow(head: ChangeLogHead, read: readonly ChangeLogEntry[], queuedCount: number): boolean {
    if (!this.#createdAtKnown || head.epoch !== this.#epoch || head.seq < this.#seq) return false;
    let entries = read;
    if (this.#seq > 0) {
      const seen = read[0];
      if (seen === undefined || this.#last === undefined || seen.seq !== this.#last.seq || seen.text !== this.#last.text) return false;
      entries = read.slice(1);
    }
    if (entries.length !== head.seq - this.#seq) return false;
    for (let k = 0; k < entries.length; k++) if (entries[k]!.seq !== this.#seq + 1 + k) return false;
    // An id's changes alternate (the log has only real additions and removals), so its first and
    // last change say all: in before (first is a removal) and after (last is an addition) or not.
    // One that was in and is in again is taken out and put back at its score.
    const firstChangeOf = new Map<string, QueuedChange>();
    const lastChangeOf = new Map<string, QueuedChange>();
    for (const entry of entries) {
      for (const change of entry.changes) {
        if (!firstChangeOf.has(change.id)) firstChangeOf.set(change.id, change);
        lastChangeOf.set(change.id, change);
      }
    }
    const removed = new Set<string>();
    const added: QueuedChange[] = [];
    for (const [id, change] of lastChangeOf) {
      if (!firstChangeOf.get(id)!.added) removed.add(id);
      if (change.added) added.push(change);
    }
    if (this.#ids.length - removed.size + added.length !== queuedCount) return false;
    // An id added is taken out of the old listing too: were the listing ever wrong about it, the id
    // still could not be listed twice (a pass would pair the ticket with itself).
    for (const change of added) removed.add(change.id);
    this.#merge(removed, added);
    this.#seq = head.seq;
    this.#last = entries.length > 0 ? entries[entries.length - 1] : this.#last;
    return true;
  }

  /** Drops the `removed` ids and inserts the `added` ones in their places, in one sweep. */
  #merge(removed: ReadonlySet<string>, added: QueuedChange[]): void {
    // Every id added is among those removed (see `follow`): nothing removed, nothing to do.
    if (removed.size === 0) return;
    added.sort((a, b) => compareEntries(a.createdAt, a.id, b.createdAt, b.id));
    const oldIds = this.#ids;
    const oldCreatedAt = this.#createdAt;
    // At most this long: `removed` may name ids the old listing does not hold.
    const length = oldIds.length + added.length;
    const ids = new Array<string>(length);
    const createdAt = new Array<number>(length);
    let next = 0;
    let a = 0;
    for (let k = 0; k < oldIds.length; k++) {
      const id = oldIds[k]!;
      if (removed.has(id)) continue;
      const at = oldCreatedAt[k]!;
      for (; a < added.length && compareEntries(added[a]!.createdAt, added[a]!.id, at, id) < 0; a++, next++) {
        ids[next] = added[a]!.id;
        createdAt[next] = added[a]!.createdAt;
      }
      ids[next] = id;
      createdAt[next++] = at;
    }
    for (; a < added.length; a++, next++) {
      ids[next] = added[a]!.id;
      createdAt[next] = added[a]!.createdAt;
    }
    ids.length = next;
    createdAt.length = next;
    this.#ids = ids;
    this.#createdAt = createdAt;
  }
}

/**
 * The sorted set's order: by score, then by id. Redis compares ids byte by byte; for the ASCII ids
 * the matchmaker makes (base64url), JavaScript's string comparison gives the same order.
 */
function compareEntries(createdAtA: number, idA: string, createdAtB: number, idB: string): number {
  if (createdAtA !== createdAtB) return createdAtA - createdAtB;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}
