import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Code, createClient } from "@connectrpc/connect";
import { durationMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { OperatorService, type QueueRegionStats } from "../../src/gen/matchmaking/v1/operator_pb.js";
import { plainCallerAuth, startServerHarness, type ServerHarness } from "../support/server-harness.ts";

const SERVICE = { authorization: "Bearer service:dashboard" };

let harness: ServerHarness;
beforeEach(async () => {
  harness = await startServerHarness({ authenticate: plainCallerAuth });
});
afterEach(async () => {
  await harness.close();
});

const operator = (headers = SERVICE) => createClient(OperatorService, harness.grpcTransport(headers));

/** The figures of one region, with durations in milliseconds for readable assertions. */
function figures(stats: QueueRegionStats | undefined) {
  if (stats === undefined) throw new Error("no such region in the answer");
  return {
    ticketsWaiting: stats.ticketsWaiting,
    playersWaiting: stats.playersWaiting,
    oldestWaitMs: stats.oldestWait === undefined ? undefined : durationMs(stats.oldestWait),
    waitP50Ms: stats.waitP50 === undefined ? undefined : durationMs(stats.waitP50),
    waitP90Ms: stats.waitP90 === undefined ? undefined : durationMs(stats.waitP90),
    waitP99Ms: stats.waitP99 === undefined ? undefined : durationMs(stats.waitP99),
    matchesPerMinute: stats.matchesPerMinute,
  };
}

describe("OperatorService.GetQueueStats", () => {
  it("lists every queue and region in configuration order, with zeros before the first pass", async () => {
    const response = await operator().getQueueStats({});
    expect(response.stats.map((entry) => `${entry.queue}/${entry.region}`)).toEqual([
      "duel/eu-west",
      "duel/us-east",
      "duel/ap-southeast",
      "squads-5v5/eu-west",
      "squads-5v5/us-east",
      "squads-5v5/ap-southeast",
      "ffa-8/eu-west",
      "ffa-8/us-east",
    ]);
    expect(durationMs(response.window!)).toBe(300_000);
    expect(timestampMs(response.observedAt!)).toBe(harness.clock.now());
    for (const entry of response.stats) {
      expect(entry.updatedAt).toBeUndefined();
      expect(figures(entry)).toEqual({
        ticketsWaiting: 0,
        playersWaiting: 0,
        oldestWaitMs: 0,
        waitP50Ms: undefined,
        waitP90Ms: undefined,
        waitP99Ms: undefined,
        matchesPerMinute: 0,
      });
    }
  });

  it("counts waiting tickets in their lowest-latency region and reports waits of matched tickets", async () => {
    const players = harness.grpcClient(SERVICE);
    const enqueue = (userId: string, skill: number, latencyMs: Record<string, number>) =>
      players.enqueue({ queue: "duel", players: [{ userId, skill }], latencyMs });
    // Two close players that will match in eu-west after 4 and 6 seconds of waiting.
    await enqueue("a", 1000, { "eu-west": 20, "us-east": 90 });
    harness.clock.advanceSeconds(2);
    await enqueue("b", 1010, { "eu-west": 30 });
    // Two that stay: too far apart in skill, one closer to us-east.
    await enqueue("c", 100, { "eu-west": 80, "us-east": 40 });
    await enqueue("d", 2900, { "ap-southeast": 50 });
    harness.clock.advanceSeconds(4);
    await harness.app.runPass();
    // The match was placed after the pass published; the next pass includes it.
    harness.clock.advanceSeconds(1);
    await harness.app.runPass();
    const passAt = harness.clock.now();
    harness.clock.advanceSeconds(3);

    const response = await operator().getQueueStats({ queue: "duel" });
    expect(response.stats.map((entry) => entry.region)).toEqual(["eu-west", "us-east", "ap-southeast"]);
    const [eu, us, ap] = response.stats;
    expect(figures(eu)).toEqual({
      ticketsWaiting: 0,
      playersWaiting: 0,
      oldestWaitMs: 0,
      waitP50Ms: 4000,
      waitP90Ms: 6000,
      waitP99Ms: 6000,
      matchesPerMinute: 1,
    });
    // c and d were enqueued at 2 s; the answer is taken at 10 s.
    expect(figures(us)).toMatchObject({ ticketsWaiting: 1, playersWaiting: 1, oldestWaitMs: 8000, waitP50Ms: undefined, matchesPerMinute: 0 });
    expect(figures(ap)).toMatchObject({ ticketsWaiting: 1, playersWaiting: 1, oldestWaitMs: 8000 });
    for (const entry of response.stats) expect(timestampMs(entry.updatedAt!)).toBe(passAt);
  });

  it("refuses players and names unknown queues", async () => {
    await expect(operator({ authorization: "Bearer player:alice" }).getQueueStats({})).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });
    await expect(operator({ authorization: "" }).getQueueStats({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(operator().getQueueStats({ queue: "nope" })).rejects.toMatchObject({ code: Code.NotFound, rawMessage: 'queue "nope" does not exist' });
  });
});
