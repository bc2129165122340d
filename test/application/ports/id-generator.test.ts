import { describe, expect, it } from "vitest";
import { randomIds } from "../../../src/application/ports/id-generator.ts";

describe("randomIds", () => {
  it("makes ticket ids of 16 random bytes in unpadded base64url (22 characters), all different", () => {
    // 2000 ids span several refills of the random pool.
    const ids = Array.from({ length: 2000 }, () => randomIds.ticketId());
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const bytes = Buffer.from(id, "base64url");
      expect(bytes).toHaveLength(16);
      // The canonical encoding of those bytes: no stray low bits in the last character.
      expect(bytes.toString("base64url")).toBe(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Over 2000 ids both URL-safe replacement characters show up, so the alphabet mapping is exercised.
    expect(ids.join("")).toMatch(/-/);
    expect(ids.join("")).toMatch(/_/);
  });

  it("makes match ids that are UUIDs", () => {
    expect(randomIds.matchId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
