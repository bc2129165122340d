import { describe, expect, it, vi } from "vitest";
import { AgonesAllocator } from "../../src/clients/agones/agones-allocator.ts";
import { TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { startFakeAgonesAllocator, type FakeAnswer } from "../clients/agones/fake-agones-allocator.ts";
import { cleanupAfterEach, testPkiForFile } from "../support/lifecycle.ts";
import { scrape } from "../support/prometheus-text.ts";
import { startServerHarness } from "../support/server-harness.ts";

const testPki = testPkiForFile();
const onCleanup = cleanupAfterEach();

const allocated: FakeAnswer = {
  response: { gameServerName: "duel-abc12", address: "198.51.100.7", ports: [{ name: "game", port: 7777 }] },
};

describe("the concurrent-allocation limit in front of a slow Agones allocator", () => {
  it("asks the fleet for at most the limit at once, lines up as many again, and leaves the rest queued", async () => {
    const fake = await startFakeAgonesAllocator(testPki());
    onCleanup(() => fake.close());
    fake.answer(allocated);
    const pki = testPki();
    const fleet = new AgonesAllocator({ fleet: "agones", url: fake.url, tls: { caFile: pki.caFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile } });
    onCleanup(() => fleet.close());
    const harness = await startServerHarness({ fleet, maxConcurrentAllocations: 2 });
    onCleanup(() => harness.close());
    const client = harness.grpcClient(await harness.bearer("service", "game-backend"));
    const tickets = [];
    for (let index = 0; index < 10; index++) {
      const { ticket } = await client.enqueue({ queue: "duel", players: [{ userId: `player-${index}`, skill: 1500 }], latencyMs: { "eu-west": 20 } });
      tickets.push(ticket!);
    }

    // Five duels: two allocations at the fleet, two in line, one left unclaimed.
    const release = fake.hold();
    const pass = harness.app.runPass();
    await vi.waitFor(() => expect(fake.requests).toHaveLength(2));
    release();
    await pass;
    expect(fake.requests).toHaveLength(4);
    expect(fake.mostInFlight).toBe(2);
    const states = await Promise.all(tickets.map(async (ticket) => (await client.getTicket({ ticketId: ticket.ticketId })).ticket!.state));
    expect(states.filter((state) => state === TicketState.MATCHED)).toHaveLength(8);
    expect(states.filter((state) => state === TicketState.QUEUED)).toHaveLength(2);
    const samples = await scrape(`${harness.httpUrl}/metrics`);
    expect(samples.get("matchmaker_matches_deferred_total", { queue: "duel", region: "eu-west" })).toBe(1);

    await harness.app.runPass();
    expect(fake.requests).toHaveLength(5);
  });
});
