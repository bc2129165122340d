import type { Clock } from "../../application/ports/clock.ts";
import type { RedemptionLedger } from "../../application/ports/redemption-ledger.ts";
import type { RedisCommands } from "./redis-commands.ts";
import type { RedisKeys } from "./redis-keys.ts";

/**
 * The redemption ledger shared by every instance: one `SET <prefix>:redeemed:<id> <value> NX GET PX
 * <ttl>` per redemption, atomic in Redis and forgotten by Redis itself when it expires. The value
 * names the redemption id of the call that redeemed the ticket, and GET returns the one already
 * there, so the retry of that call is told apart from a replay in the same round trip.
 *
 * The TTL is relative (PX, measured from this instance's clock) rather than absolute (PXAT): the
 * entry then lives exactly as long as this instance's verifier would still accept the ticket, even
 * when the Redis host's clock disagrees with ours.
 */
export class RedisRedemptionLedger implements RedemptionLedger {
  readonly #redis: RedisCommands;
  readonly #keys: RedisKeys;
  readonly #clock: Clock;

  constructor(redis: RedisCommands, keys: RedisKeys, clock: Clock) {
    this.#redis = redis;
    this.#keys = keys;
    this.#clock = clock;
  }

  consume(ticketId: string, rememberUntil: number, redemptionId: string): Promise<boolean> {
    // Prefixed, so that no redemption id matches the bare "1" that entries written before
    // redemption ids existed hold.
    const value = `r:${redemptionId}`;
    return this.#redis.run("record redemption", async (redis) => {
      const previous = await redis.set(this.#keys.redeemed(ticketId), value, {
        condition: "NX",
        GET: true,
        expiration: { type: "PX", value: Math.max(1, Math.ceil(rememberUntil - this.#clock.now()) + 1) },
      });
      return previous === null || (redemptionId !== "" && previous === value);
    });
  }
}
