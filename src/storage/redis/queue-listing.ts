/** One change to a queue's sorted set of queued tickets, as `ticket-lib.lua` logs it. */
export interface QueuedChange {
  /** The change's number in the queue's log: 1, 2, 3 and so on, without gaps. */
  readonly seq: number;
  /** Added to the set (with `createdAt` as its score), or removed from it. */
  readonly added: boolean;
  readonly id: string;
  /** The ticket's score, for an addition (0 for a removal). */
  readonly createdAt: number;
}

/** Where a queue's change log stands: the epoch it was begun in and its last change's number. */
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
  #epoch: string | undefined;
  #seq: number;
  #ids: string[];
  #createdAt: number[];

  private constructor(head: ChangeLogHead, ids: string[], createdAt: number[], listedWholeAt: number) {
    this.#epoch = head.epoch;
    this.#seq = head.seq;
    this.#ids = ids;
    this.#createdAt = createdAt;
    this.listedWholeAt = listedWholeAt;
  }

  /** The listing from a whole `ZRANGE ... WITHSCORES` read at `head`, in one transaction with it. */
  static whole(head: ChangeLogHead, entries: readonly { readonly value: string; readonly score: number }[], now: number): QueueListing {
    const ids = new Array<string>(entries.length);
    const createdAt = new Array<number>(entries.length);
    entries.forEach((entry, index) => {
      ids[index] = entry.value;
      createdAt[index] = entry.score;
    });
    return new QueueListing(head, ids, createdAt, now);
  }

  /** The queued ids in the sorted set's order. */
  get ids(): readonly string[] {
    return this.#ids;
  }

  /** The number of the last change the listing includes. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Brings the listing up to `head` with `changes`, every change after {@link seq} in order, read in
   * one transaction with `head` and with `queuedCount`, the set's size then. Returns false, and
   * leaves the listing as it was, when they cannot bring it there: the log was begun afresh (another
   * epoch), or some changes are missing (trimmed, lost, or more than were read), or the result's
   * size is not the set's (a change made without logging it, as by an instance of an older version).
   */
  follow(head: ChangeLogHead, changes: readonly QueuedChange[], queuedCount: number): boolean {
    if (head.epoch !== this.#epoch || head.seq < this.#seq || changes.length !== head.seq - this.#seq) return false;
    for (let k = 0; k < changes.length; k++) if (changes[k]!.seq !== this.#seq + 1 + k) return false;
    // An id's changes alternate (the log has only real additions and removals), so its first and
    // last change say all: in before (first is a removal) and after (last is an addition) or not.
    // One that was in and is in again is taken out and put back at its score.
    const first = new Map<string, QueuedChange>();
    const last = new Map<string, QueuedChange>();
    for (const change of changes) {
      if (!first.has(change.id)) first.set(change.id, change);
      last.set(change.id, change);
    }
    const removed = new Set<string>();
    const added: QueuedChange[] = [];
    for (const [id, change] of last) {
      if (!first.get(id)!.added) removed.add(id);
      if (change.added) added.push(change);
    }
    if (this.#ids.length - removed.size + added.length !== queuedCount) return false;
    this.#merge(removed, added);
    this.#seq = head.seq;
    return true;
  }

  /** Drops the `removed` ids and inserts the `added` ones in their places, in one sweep. */
  #merge(removed: ReadonlySet<string>, added: QueuedChange[]): void {
    if (removed.size === 0 && added.length === 0) return;
    added.sort((a, b) => compareEntries(a.createdAt, a.id, b.createdAt, b.id));
    const oldIds = this.#ids;
    const oldCreatedAt = this.#createdAt;
    const length = oldIds.length - removed.size + added.length;
    const ids = new Array<string>(length);
    const createdAt = new Array<number>(length);
    let next = 0;
    let a = 0;
    for (let k = 0; k < oldIds.length; k++) {
      const id = oldIds[k]!;
      if (removed.size > 0 && removed.has(id)) continue;
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
