import { describe, expect, it } from "vitest";
import { EnqueueRateLimitedError } from "../../src/application/errors.ts";
import { PlayerEnqueueLimit } from "../../src/application/player-enqueue-limit.ts";

const T0 = 1_000_000;

describe("PlayerEnqueueLimit", () => {
  it("lets a player enqueue perMinute times at once, then once every 60/perMinute seconds", () => {
    const limit = new PlayerEnqueueLimit(10);
    for (let i = 0; i < 10; i++) limit.take("alice", T0);
    expect(() => limit.take("alice", T0)).toThrow(EnqueueRateLimitedError);
    expect(() => limit.take("alice", T0 + 5_999)).toThrow("player \"alice\" may enqueue at most 10 times a minute; retry in 1 s");
    limit.take("alice", T0 + 6_000);
    expect(() => limit.take("alice", T0 + 6_000)).toThrow(EnqueueRateLimitedError);
    // Others are not held back by her.
    limit.take("bob", T0);
  });

  it("takes back nothing for a call that created no ticket", () => {
    const limit = new PlayerEnqueueLimit(1);
    limit.take("alice", T0);
    limit.giveBack("alice");
    limit.take("alice", T0);
    expect(() => limit.take("alice", T0)).toThrow(EnqueueRateLimitedError);
    // Never more than the allowance, and nothing for a player it does not track.
    limit.giveBack("alice");
    limit.giveBack("alice");
    limit.take("alice", T0);
    expect(() => limit.take("alice", T0)).toThrow(EnqueueRateLimitedError);
    limit.giveBack("nobody");
    expect(limit.trackedPlayers).toBe(1);
  });

  it("tells how long to wait for the next enqueue", () => {
    const limit = new PlayerEnqueueLimit(2);
    limit.take("alice", T0);
    limit.take("alice", T0);
    const error = (() => {
      try {
        limit.take("alice", T0 + 10_000);
      } catch (caught) {
        return caught as EnqueueRateLimitedError;
      }
      return undefined;
    })();
    expect(error?.retryAfterMs).toBe(20_000);
  });

  it("keeps a player's allowance when the clock goes back, and refills nothing for it", () => {
    const limit = new PlayerEnqueueLimit(1);
    limit.take("alice", T0);
    expect(() => limit.take("alice", T0 - 60_000)).toThrow(EnqueueRateLimitedError);
    limit.take("alice", T0 + 60_000);
  });

  it("forgets players whose allowance is full again, so a crowd of one-time players costs nothing for long", () => {
    const limit = new PlayerEnqueueLimit(10);
    for (let i = 0; i < 1_000; i++) limit.take(`early-${i}`, T0);
    limit.take("busy", T0 + 59_000);
    for (let i = 0; i < 9; i++) limit.take("busy", T0 + 59_000);
    for (let i = 0; i < 23; i++) limit.take(`late-${i}`, T0 + 60_000);
    // At the 1,024th player the early ones (full again after a minute) were dropped; "busy" was kept.
    expect(limit.trackedPlayers).toBe(24);
    expect(() => limit.take("busy", T0 + 60_000)).toThrow(EnqueueRateLimitedError);
  });

  it("refuses a limit below one", () => {
    expect(() => new PlayerEnqueueLimit(0)).toThrow(RangeError);
  });
});
