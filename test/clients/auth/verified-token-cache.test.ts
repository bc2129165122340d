import { describe, expect, it } from "vitest";
import { VerifiedTokenCache } from "../../../src/clients/auth/verified-token-cache.ts";

const valid = (label: string) => ({ label, expiresAt: 1_000 });

describe("VerifiedTokenCache", () => {
  it("evicts the least recently used token beyond its bound", () => {
    const cache = new VerifiedTokenCache<{ label: string; expiresAt: number }>(2);
    cache.set("a", valid("a"));
    cache.set("b", valid("b"));
    cache.get("a", 0);
    cache.set("c", valid("c"));

    expect(cache.size).toBe(2);
    expect(cache.get("b", 0)).toBeUndefined();
    expect(cache.get("a", 0)?.label).toBe("a");
    expect(cache.get("c", 0)?.label).toBe("c");
  });

  it("keeps the recency order when the most recent token is read again and again", () => {
    const cache = new VerifiedTokenCache<{ label: string; expiresAt: number }>(2);
    cache.set("a", valid("a"));
    cache.get("a", 0);
    cache.set("b", valid("b"));
    cache.get("b", 0);
    cache.get("b", 0);
    cache.get("a", 0);
    cache.get("a", 0);
    cache.set("c", valid("c"));

    expect(cache.get("b", 0)).toBeUndefined();
    expect(cache.get("a", 0)?.label).toBe("a");
    cache.set("d", valid("d"));
    expect(cache.get("c", 0)).toBeUndefined();
    expect([cache.get("a", 0)?.label, cache.get("d", 0)?.label]).toEqual(["a", "d"]);
  });

  it("bounds the token text it holds, 2 KiB per entry of its bound on average", () => {
    const cache = new VerifiedTokenCache<{ label: string; expiresAt: number }>(2);
    const large = "a".repeat(2_500);
    const medium = "b".repeat(1_500);
    cache.set(large, valid("large"));
    cache.set(medium, valid("medium"));

    expect(cache.get(large, 0)?.label).toBe("large");

    // 2,500 + 1,500 + 1,500 characters exceed 2 x 2,048: the least recently used one goes.
    const other = "c".repeat(1_500);
    cache.set(other, valid("other"));
    expect(cache.get(medium, 0)).toBeUndefined();
    expect(cache.get(large, 0)?.label).toBe("large");
    expect(cache.get(other, 0)?.label).toBe("other");

    // Larger than the whole budget: never cached, and nothing else is evicted for it.
    cache.set("d".repeat(4_097), valid("huge"));
    expect(cache.size).toBe(2);
    expect(cache.get("d".repeat(4_097), 0)).toBeUndefined();
  });

  it("drops an entry at its expiry", () => {
    const cache = new VerifiedTokenCache<{ label: string; expiresAt: number }>(10);
    cache.set("a", valid("a"));

    expect(cache.get("a", 999)?.label).toBe("a");
    expect(cache.get("a", 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("caches nothing with a bound of 0", () => {
    const cache = new VerifiedTokenCache<{ label: string; expiresAt: number }>(0);
    cache.set("a", valid("a"));

    expect(cache.get("a", 0)).toBeUndefined();
  });
});
