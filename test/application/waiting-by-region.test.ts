import { describe, expect, it } from "vitest";
import { waitingByRegion } from "../../src/application/waiting-by-region.ts";
import { WaitingColumnsReader } from "../../src/domain/waiting-columns.ts";
import { queueConfig, waiting } from "../support/queue-fixtures.ts";

const queue = queueConfig({
  regions: [
    { name: "eu-west", maxLatencyMs: 150 },
    { name: "us-east", maxLatencyMs: 150 },
    { name: "ap-south", maxLatencyMs: 150 },
  ],
});
const regions = queue.regions.map((region) => region.name);

describe("waitingByRegion", () => {
  it("counts each ticket once, in its lowest-latency region, the first configured on a tie", () => {
    const tickets = [
      waiting(1000, { createdAt: 5, latency: { "eu-west": 20, "us-east": 90 } }),
      waiting([1000, 1100, 1200], { createdAt: 3, latency: { "eu-west": 80, "us-east": 40 } }),
      waiting(1000, { createdAt: 9, latency: { "us-east": 60, "eu-west": 60 } }),
    ];
    const counts = waitingByRegion(queue, new WaitingColumnsReader().read(regions, tickets));
    expect(counts).toEqual([
      { region: "eu-west", tickets: 2, players: 2, oldestCreatedAt: 5 },
      { region: "us-east", tickets: 1, players: 3, oldestCreatedAt: 3 },
      // Every configured region appears, an empty one with no oldest ticket.
      { region: "ap-south", tickets: 0, players: 0, oldestCreatedAt: undefined },
    ]);
  });

  it("leaves out the tickets marked gone, and tickets with no latency to any configured region", () => {
    const tickets = [
      waiting(1000, { createdAt: 1, latency: { "eu-west": 20 } }),
      waiting(1000, { createdAt: 2, latency: { "eu-west": 30 } }),
      waiting(1000, { createdAt: 3, latency: { "mars-1": 5 } }),
    ];
    const gone = new Uint8Array([1, 0, 0]);
    const [eu, us] = waitingByRegion(queue, new WaitingColumnsReader().read(regions, tickets), gone);
    expect(eu).toEqual({ region: "eu-west", tickets: 1, players: 1, oldestCreatedAt: 2 });
    expect(us!.tickets).toBe(0);
  });

  it("reads columns with regions in another order, or missing one of the queue's", () => {
    const tickets = [waiting(1000, { createdAt: 1, latency: { "eu-west": 50, "ap-south": 10 } })];
    const columns = new WaitingColumnsReader().read(["ap-south", "eu-west"], tickets);
    expect(waitingByRegion(queue, columns).map((region) => region.tickets)).toEqual([0, 0, 1]);
    const withoutAp = new WaitingColumnsReader().read(["eu-west"], tickets);
    expect(waitingByRegion(queue, withoutAp).map((region) => region.tickets)).toEqual([1, 0, 0]);
  });
});
