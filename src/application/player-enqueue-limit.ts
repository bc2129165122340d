import { EnqueueRateLimitedError } from "./errors.ts";

/** The allowance of one player: what is left of it, and when that was worked out. */
interface Allowance {
  tokens: number;
  at: number;
}

/** Players tracked before the full allowances (players idle for a minute) are dropped. */
const FIRST_PRUNE_AT = 1_024;

/**
 * How often each player may enqueue through this instance: `perMinute` at once, then one more
 * every `60 / perMinute` seconds (a token bucket).
 *
 * Why: every ticket stays readable for the retention time after it ends, so a player who enqueues
 * and cancels in a loop would make the instance keep tickets without bound (a million in seven
 * minutes in an adversarial test) until it runs out of memory. With the limit a player holds at
 * most `perMinute` x the retention in minutes. Only calls that create a ticket count: the caller
 * gives back what a replay, a refusal or a failed call took (see {@link PlayerEnqueueLimit.giveBack}).
 * Services (game backends) are not limited: they enqueue for many players. Each instance counts its
 * own calls, so behind a load balancer a player gets up to the limit per instance.
 */
export class PlayerEnqueueLimit {
  readonly #perMinute: number;
  readonly #perMs: number;
  readonly #allowances = new Map<string, Allowance>();
  #pruneAt = FIRST_PRUNE_AT;

  constructor(perMinute: number) {
    if (!(Number.isInteger(perMinute) && perMinute >= 1)) throw new RangeError(`perMinute must be a whole number of at least 1 (got ${perMinute})`);
    this.#perMinute = perMinute;
    this.#perMs = perMinute / 60_000;
  }

  /** Takes one enqueue from `userId`'s allowance at `now`, or throws {@link EnqueueRateLimitedError}. */
  take(userId: string, now: number): void {
    const allowance = this.#allowances.get(userId);
    if (allowance === undefined) {
      this.#allowances.set(userId, { tokens: this.#perMinute - 1, at: now });
      if (this.#allowances.size >= this.#pruneAt) this.#prune(now);
      return;
    }
    // A clock that went back refills nothing, and takes nothing back.
    const tokens = Math.min(this.#perMinute, allowance.tokens + Math.max(0, now - allowance.at) * this.#perMs);
    allowance.at = Math.max(allowance.at, now);
    if (tokens < 1) {
      allowance.tokens = tokens;
      throw new EnqueueRateLimitedError(userId, this.#perMinute, Math.ceil((1 - tokens) / this.#perMs));
    }
    allowance.tokens = tokens - 1;
  }

  /** Gives back the enqueue last taken from `userId`'s allowance: the call created no ticket. */
  giveBack(userId: string): void {
    const allowance = this.#allowances.get(userId);
    if (allowance !== undefined) allowance.tokens = Math.min(this.#perMinute, allowance.tokens + 1);
  }

  /** Players whose allowance is tracked; for tests. */
  get trackedPlayers(): number {
    return this.#allowances.size;
  }

  /** Drops the allowances that are full again (the same as untracked), and sets the next prune. */
  #prune(now: number): void {
    for (const [userId, allowance] of this.#allowances) {
      if (allowance.tokens + (now - allowance.at) * this.#perMs >= this.#perMinute) this.#allowances.delete(userId);
    }
    this.#pruneAt = Math.max(FIRST_PRUNE_AT, 2 * this.#allowances.size);
  }
}
