import { describe, expect, it } from "vitest";
import { findPartyViolation } from "../../src/domain/party-rules.ts";
import { queueConfig } from "../support/queue-fixtures.ts";

const players = (count: number) => Array.from({ length: count }, (_, i) => ({ userId: `u${i}`, skill: 1000 }));

describe("findPartyViolation", () => {
  const queue = queueConfig({ teamSize: 5, maxPartySize: 5, minPartySize: 1 });

  it("accepts a party that fits a team and reaches a region", () => {
    expect(findPartyViolation(queue, players(5), { "eu-west": 30 })).toBeUndefined();
  });
  it("rejects a party larger than a team", () => {
    expect(findPartyViolation(queue, players(6), { "eu-west": 30 })).toMatchObject({ field: "players" });
  });
  it("rejects a party below the queue's minimum", () => {
    const duo = queueConfig({ teamSize: 2, minPartySize: 2, maxPartySize: 2 });
    expect(findPartyViolation(duo, players(1), { "eu-west": 30 })?.reason).toMatch(/smaller/);
  });
  it("names an unknown region", () => {
    expect(findPartyViolation(queue, players(1), { mars: 30 })).toMatchObject({ field: 'latency_ms["mars"]' });
  });
  it("rejects a party too far from every region", () => {
    expect(findPartyViolation(queue, players(1), { "eu-west": 400 })).toMatchObject({ field: "latency_ms" });
  });
});
