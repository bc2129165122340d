import { describe, expect, it } from "vitest";
import { callerKey } from "../../src/application/caller.ts";

describe("callerKey", () => {
  it("keeps players and services with the same name apart", () => {
    expect(callerKey({ kind: "player", userId: "a" })).not.toBe(callerKey({ kind: "service", subject: "a" }));
  });
});
