/** What the cache needs to know about a verified token: when it stops being valid (epoch ms). */
export interface Expiring {
  readonly expiresAt: number;
}

/**
 * Characters of token text the cache may hold per entry of its bound, on average: real access
 * tokens are well under 2 KiB, and the verifier accepts up to 16 KiB, so an entry bound alone would
 * let a burst of large tokens hold eight times the memory the bound suggests.
 */
const CHARACTERS_PER_ENTRY = 2048;

/**
 * Remembers recently verified tokens so that a client's repeated calls (polling its ticket, say)
 * cost a map lookup instead of a signature check.
 *
 * Least-recently-used entries are evicted beyond `maxEntries` entries or beyond `maxEntries` x 2 KiB
 * of token text, so memory stays bounded however many distinct tokens arrive. An entry is never
 * served at or after its `expiresAt`: from then on the token goes through full verification again,
 * which applies the configured clock tolerance and rejects it once that has passed too.
 *
 * Entries are keyed by the token itself. An earlier version keyed them by a SHA-256 of the token so
 * that a heap dump would show no usable credential, but that hash was the largest cost of an
 * authenticated call once the signature check was cached (figures in BENCHMARKS.md, section 1),
 * and it protected little: every request's headers hold the same token in memory while it is
 * served, and what the cache holds is only tokens that are still unexpired and were sent recently.
 * Treat heap dumps of a running server as secrets either way.
 */
export class VerifiedTokenCache<Value extends Expiring> {
  readonly #maxEntries: number;
  readonly #maxCharacters: number;
  /** Map iteration order is insertion order: the first key is the least recently used. */
  readonly #entries = new Map<string, Value>();
  #characters = 0;
  /** The key last moved to the most recent end of {@link #entries}, if it is still there. */
  #mostRecent: string | undefined;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
    this.#maxCharacters = maxEntries * CHARACTERS_PER_ENTRY;
  }

  /** The value cached for `token`, unless absent or expired at `now` (epoch ms). */
  get(token: string, now: number): Value | undefined {
    const value = this.#entries.get(token);
    if (value === undefined) return undefined;
    if (now >= value.expiresAt) {
      this.#entries.delete(token);
      this.#characters -= token.length;
      return undefined;
    }
    // Moved to the most recent end, unless it is there already: a backend service calls with one
    // token over and over, and re-inserting it each time would cost two map updates per call.
    if (this.#mostRecent !== token) {
      this.#entries.delete(token);
      this.#entries.set(token, value);
      this.#mostRecent = token;
    }
    return value;
  }

  set(token: string, value: Value): void {
    if (this.#maxEntries === 0 || token.length > this.#maxCharacters) return;
    if (this.#entries.delete(token)) this.#characters -= token.length;
    this.#entries.set(token, value);
    this.#mostRecent = token;
    this.#characters += token.length;
    while (this.#entries.size > this.#maxEntries || this.#characters > this.#maxCharacters) {
      const leastRecentlyUsed = this.#entries.keys().next();
      if (leastRecentlyUsed.done === true) break;
      this.#entries.delete(leastRecentlyUsed.value);
      this.#characters -= leastRecentlyUsed.value.length;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
