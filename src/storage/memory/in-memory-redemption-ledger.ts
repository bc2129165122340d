import type { Clock } from "../../application/ports/clock.ts";
import type { RedemptionLedger } from "../../application/ports/redemption-ledger.ts";

interface LedgerEntry {
  readonly ticketId: string;
  readonly rememberUntil: number;
}

/**
 * A {@link RedemptionLedger} for a single instance (development, tests, one-node deployments).
 *
 * First use is atomic because the check and the insert happen in one synchronous step. Entries sit
 * in a min-heap ordered by `rememberUntil`, so each call drops the forgotten ones in O(log n)
 * apiece and memory stays proportional to the tickets still alive.
 */
export class InMemoryRedemptionLedger implements RedemptionLedger {
  readonly #clock: Clock;
  /** Redeemed ticket ids, each with the redemption id of the call that redeemed it. */
  readonly #redeemed = new Map<string, string>();
  readonly #byExpiry: LedgerEntry[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Number of redemptions currently remembered; for metrics and tests. */
  get size(): number {
    return this.#redeemed.size;
  }

  consume(ticketId: string, rememberUntil: number, redemptionId: string): Promise<boolean> {
    this.#forgetExpired(this.#clock.now());
    const redeemedBy = this.#redeemed.get(ticketId);
    if (redeemedBy !== undefined) return Promise.resolve(redemptionId !== "" && redeemedBy === redemptionId);
    this.#redeemed.set(ticketId, redemptionId);
    this.#push({ ticketId, rememberUntil });
    return Promise.resolve(true);
  }

  #forgetExpired(now: number): void {
    let oldest = this.#byExpiry[0];
    while (oldest !== undefined && oldest.rememberUntil < now) {
      this.#popOldest();
      this.#redeemed.delete(oldest.ticketId);
      oldest = this.#byExpiry[0];
    }
  }

  #push(entry: LedgerEntry): void {
    const heap = this.#byExpiry;
    let index = heap.push(entry) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.rememberUntil <= entry.rememberUntil) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  #popOldest(): void {
    const heap = this.#byExpiry;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const earlier = right < heap.length && heap[right]!.rememberUntil < heap[left]!.rememberUntil ? right : left;
      if (heap[earlier]!.rememberUntil >= last.rememberUntil) break;
      heap[index] = heap[earlier]!;
      index = earlier;
    }
    heap[index] = last;
  }
}
