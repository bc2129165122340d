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
