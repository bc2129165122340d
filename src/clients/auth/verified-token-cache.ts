import { createHash } from "node:crypto";

/** What the cache needs to know about a verified token: when it stops being valid (epoch ms). */
export interface Expiring {
  readonly expiresAt: number;
}

/**
 * Remembers recently verified tokens so that a client's repeated calls (polling its ticket, say)
 * cost a hash lookup instead of a signature check.
 *
 * Least-recently-used entries are evicted beyond `maxEntries`, so memory stays bounded however many
 * distinct tokens arrive. Entries are keyed by a SHA-256 of the token, never the token itself, so a
 * heap dump or a debug log of the cache reveals no usable credential. An entry is never served at or
 * after its `expiresAt`: from then on the token goes through full verification again, which applies
 * the configured clock tolerance and rejects it once that has passed too.
 */
export class VerifiedTokenCache<Value extends Expiring> {
  readonly #maxEntries: number;
  /** Map iteration order is insertion order: the first key is the least recently used. */
  readonly #entries = new Map<string, Value>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** The value cached for `token`, unless absent or expired at `now` (epoch ms). */
  get(token: string, now: number): Value | undefined {
    const key = cacheKey(token);
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    if (now >= value.expiresAt) return undefined;
    this.#entries.set(key, value);
    return value;
  }

  set(token: string, value: Value): void {
    if (this.#maxEntries === 0) return;
    const key = cacheKey(token);
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#maxEntries) {
      const leastRecentlyUsed = this.#entries.keys().next();
      if (leastRecentlyUsed.done !== true) this.#entries.delete(leastRecentlyUsed.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

function cacheKey(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
