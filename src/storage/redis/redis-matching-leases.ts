import type { MatchingLeases } from "../../application/ports/matching-leases.ts";
import type { RedisCommands } from "./redis-commands.ts";
import type { RedisKeys } from "./redis-keys.ts";

/** Options of {@link RedisMatchingLeases}: who this instance is, and how fast a dead holder is replaced. */
export interface RedisMatchingLeasesOptions {
  /** This instance's id, stored as the lease holder; must differ between live instances. */
  readonly instanceId: string;
  /**
   * How long a lease lasts without renewal: after a holder dies another instance takes over within
   * this time. Must comfortably exceed the interval between renewals (a queue's tick interval).
   */
  readonly leaseTtlMs: number;
}

/**
 * Per-queue matching leases in Redis: `<p>lease` holds the holder's instance id and expires unless
 * renewed; `<p>fence` counts acquisitions, and each new acquisition takes the next value as its
 * fencing token.
 *
 * Why claims stay safe when a holder loses its lease without noticing (a long GC pause, a network
 * partition, a clock jump): the next holder's acquisition increments the counter, and the claim
 * script refuses any claim whose token is not the counter's current value. So at any moment only
 * the latest holder can move tickets out of the queue, whatever the previous one still believes,
 * and no ticket is claimed by two matches.
 */
export class RedisMatchingLeases implements MatchingLeases {
  readonly #redis: RedisCommands;
  readonly #keys: RedisKeys;
  readonly #options: RedisMatchingLeasesOptions;

  constructor(redis: RedisCommands, keys: RedisKeys, options: RedisMatchingLeasesOptions) {
    this.#redis = redis;
    this.#keys = keys;
    this.#options = options;
  }

  hold(queue: string): Promise<number | undefined> {
    return this.#redis.run("hold matching lease", async (redis) => {
      const token = await redis.holdLease(
        [this.#keys.lease(queue), this.#keys.fence(queue)],
        [this.#options.instanceId, this.#options.leaseTtlMs],
      );
      return token === null ? undefined : Number(token);
    });
  }

  release(queue: string): Promise<void> {
    return this.#redis.run("release matching lease", async (redis) => {
      await redis.releaseLease([this.#keys.lease(queue)], [this.#options.instanceId]);
    });
  }
}
