import { describe, expect, it } from "vitest";
import { InMemoryRedemptionLedger } from "../../src/storage/memory/in-memory-redemption-ledger.ts";
import { ManualClock } from "../clients/match-tickets/match-ticket-fixture.ts";

const START = 1_000_000;

describe("InMemoryRedemptionLedger", () => {
  it("returns true for the first use of a ticket id only", async () => {
    const ledger = new InMemoryRedemptionLedger(new ManualClock(START));

    expect(await ledger.consume("t-1", START + 30_000, "")).toBe(true);
    expect(await ledger.consume("t-1", START + 30_000, "")).toBe(false);
    expect(await ledger.consume("t-2", START + 30_000, "")).toBe(true);
  });

  it("admits again the call that redeemed a ticket, by its redemption id, and nothing else", async () => {
    const ledger = new InMemoryRedemptionLedger(new ManualClock(START));

    expect(await ledger.consume("t-1", START + 30_000, "conn-7")).toBe(true);
    expect(await ledger.consume("t-1", START + 30_000, "conn-7")).toBe(true);
    expect(await ledger.consume("t-1", START + 30_000, "conn-8")).toBe(false);
    expect(await ledger.consume("t-1", START + 30_000, "")).toBe(false);
    // A ticket redeemed without a redemption id is never admitted again, not even by an empty one.
    expect(await ledger.consume("t-2", START + 30_000, "")).toBe(true);
    expect(await ledger.consume("t-2", START + 30_000, "")).toBe(false);
  });

  it("decides concurrent first uses atomically", async () => {
    const ledger = new InMemoryRedemptionLedger(new ManualClock(START));

    const results = await Promise.all(Array.from({ length: 10 }, () => ledger.consume("t-1", START + 30_000, "")));

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("remembers an entry through its rememberUntil moment and forgets it after", async () => {
    const clock = new ManualClock(START);
    const ledger = new InMemoryRedemptionLedger(clock);
    await ledger.consume("t-1", START + 30_000, "");

    clock.advance(30_000);
    expect(await ledger.consume("t-1", START + 30_000, "")).toBe(false);

    clock.advance(1);
    await ledger.consume("unrelated", START + 60_000, "");
    expect(ledger.size).toBe(1);
  });

  it("purges expired entries in expiry order, whatever the order they were consumed in", async () => {
    const clock = new ManualClock(START);
    const ledger = new InMemoryRedemptionLedger(clock);
    const expiries = [50, 10, 40, 20, 60, 30, 10, 70].map((seconds) => START + seconds * 1000);
    for (const [index, rememberUntil] of expiries.entries()) await ledger.consume(`t-${index}`, rememberUntil, "");
    expect(ledger.size).toBe(8);

    clock.advance(35_000);
    await ledger.consume("probe-1", START + 100_000, "");
    expect(ledger.size).toBe(5);
    expect(await ledger.consume("t-0", START + 50_000, "")).toBe(false);
    expect(await ledger.consume("t-1", START + 10_000, "")).toBe(true);

    clock.advance(200_000);
    await ledger.consume("probe-2", START + 300_000, "");
    expect(ledger.size).toBe(1);
  });

  it("stays bounded under a steady stream of redemptions", async () => {
    const clock = new ManualClock(START);
    const ledger = new InMemoryRedemptionLedger(clock);

    for (let i = 0; i < 10_000; i++) {
      clock.advance(10);
      await ledger.consume(`t-${i}`, clock.now() + 35_000, "");
    }

    expect(ledger.size).toBeLessThanOrEqual(3_501);
  });
});
