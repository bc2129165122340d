import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../../src/application/caller.ts";
import { MatchPlacement } from "../../src/application/match-placement.ts";
import { createMatchmaker } from "../../src/application/matchmaker.ts";
import { QueueCatalog } from "../../src/application/queue-catalog.ts";
import { QueueMatcher } from "../../src/application/queue-matcher.ts";
import { QueueStatsRecorder } from "../../src/application/queue-stats-recorder.ts";
import { RecentMatches } from "../../src/application/recent-matches.ts";
import { InMemoryQueueStatsBoard } from "../../src/storage/memory/in-memory-queue-stats-board.ts";
import { createRedisStorage } from "../../src/storage/redis/redis-storage.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { noMetrics, sequentialIds } from "../support/application-harness.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { queueConfig } from "../support/queue-fixtures.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";
import { SlowReplyProxy } from "../support/slow-reply-proxy.ts";
import { ScriptedFleet, SequentialTickets } from "../support/test-fleet.ts";
import { eventually } from "./redis-fixture.ts";

/**
 * Redis applies a change but its answer arrives after the caller's deadline: the changes of a
 * pass's opening, an assignment, a requeue. Each must still reach the watchers, and a committed
 * match must keep its server.
 */
const service: Caller = { kind: "service", subject: "game-backend" };
const COMMAND_TIMEOUT_MS = 200;
/** Replies held this long miss the deadline. */
const LATE_MS = 3 * COMMAND_TIMEOUT_MS;

let server: RedisServer;
let proxy: SlowReplyProxy;
const opened: Storage[] = [];
let prefixes = 0;

beforeAll(async () => {
  server = await startRedisServer();
  proxy = await SlowReplyProxy.start(server.port);
});
afterEach(async () => {
  proxy.delayMs = 0;
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});
afterAll(async () => {
  await proxy.stop();
  await server.stop();
});

/**
 * A matching instance reaching Redis through the proxy, and a second instance (straight to Redis)
 * whose subscriptions stand for the watchers; `published(id)` lists the states they were told.
 */
async function lateAnswers() {
  const clock = new ManualClock();
  const logger = pino({ level: "silent" });
  const queue = queueConfig({ ticketTtlMs: 10_000 });
  const keyPrefix = `lost${++prefixes}`;
  const common = { clock, retentionMs: 600_000, leaseTtlMs: 10_000, logger, keyPrefix };
  const watchers = await createRedisStorage({ ...common, url: server.url, instanceId: "watchers" });
  const matching = await createRedisStorage({ ...common, url: proxy.url, instanceId: "matching", commandTimeoutMs: COMMAND_TIMEOUT_MS });
  opened.push(watchers, matching);
  const fleet = new ScriptedFleet();
  const stats = new QueueStatsRecorder(new RecentMatches({ windowMs: 300_000, startedAt: clock.now() }), new InMemoryQueueStatsBoard());
  const { store, events, progress } = matching;
  const placement = new MatchPlacement({ store, events, progress, allocator: fleet, issuer: new SequentialTickets(clock), clock, logger, metrics: noMetrics, stats, allocationTimeoutMs: 5_000, maxConcurrentAllocations: 4, storeRetryMs: 50 });
  const matcher = new QueueMatcher(queue, { store, events, progress, placement, clock, ids: sequentialIds(), logger, metrics: noMetrics, stats, staleAllocationMs: 10_000 });
  const matchmaker = createMatchmaker({ ...watchers, catalog: new QueueCatalog([queue]), clock, ids: sequentialIds(), metrics: noMetrics });
  const fence = (await matching.leases.hold("duel"))!;
  const states = new Map<string, string[]>();
  const enqueue = async (userId: string): Promise<string> => {
    const { id } = await matchmaker.enqueue(service, { queue: "duel", players: [{ userId, skill: 1000 }], partyId: "", latencyMs: { "eu-west": 30 }, requestId: "" });
    states.set(id, []);
    watchers.events.subscribe(id, (ticket) => states.get(id)!.push(ticket.state));
    // The subscription reads the ticket once it is confirmed: from then on only publications count.
    await eventually(async () => (states.get(id)!.includes("queued") ? true : undefined));
    return id;
  };
  /**
   * Makes Redis answer the store's next `method` call too late, and every reply for `forMs` after
   * it (the call itself is applied at once); later calls are answered in time.
   */
  const answerLate = (method: "assign" | "requeue", forMs: number): void => {
    const { store } = matching;
    const real = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store[method] as unknown) = (...args: unknown[]) => {
      (store[method] as unknown) = real;
      proxy.delayMs = LATE_MS;
      setTimeout(() => (proxy.delayMs = 0), forMs);
      return real(...args);
    };
  };
  /** A pass whose fleet answers only once the pass is over, then every placement it started, to the end. */
  const passThenPlace = async (): Promise<void> => {
    let answer!: () => void;
    fleet.gate = new Promise((resolve) => (answer = resolve));
    await matcher.runPass(fence);
    answer();
    await placement.drain();
  };
  return { clock, watchers, fleet, matcher, fence, enqueue, answerLate, passThenPlace, published: (id: string) => states.get(id)! };
}

describe("changes Redis applied but answered too late", () => {
  it("announces the tickets a pass expired whose opening was answered too late, at the next pass", async () => {
    const app = await lateAnswers();
    const id = await app.enqueue("alice");
    app.clock.advance(11_000);
    proxy.delayMs = LATE_MS;
    await expect(app.matcher.runPass(app.fence)).rejects.toThrow(/did not answer/);
    proxy.delayMs = 0;
    expect((await app.watchers.store.get(id))?.state).toBe("expired");
    expect(app.published(id)).not.toContain("expired");
    // The late answer goes by (replies keep their order), then the next pass opens.
    await new Promise((resolve) => setTimeout(resolve, LATE_MS));

    await app.matcher.runPass(app.fence);
    expect(await eventually(async () => (app.published(id).includes("expired") ? true : undefined))).toBe(true);
  });

  it("keeps the server of an assignment answered too late, and tells the watchers it is matched", async () => {
    const app = await lateAnswers();
    const id = await app.enqueue("alice");
    await app.enqueue("bob");
    // The assignment's answer, and those of the reads after it, come late.
    app.answerLate("assign", 2 * LATE_MS);
    await app.passThenPlace();
    expect((await app.watchers.store.get(id))?.state).toBe("matched");
    expect(app.fleet.released).toEqual([]);
    expect(await eventually(async () => (app.published(id).includes("matched") ? true : undefined))).toBe(true);
  });

  it("tells the watchers their tickets are queued again when a requeue was answered too late", async () => {
    const app = await lateAnswers();
    const id = await app.enqueue("alice");
    await app.enqueue("bob");
    app.fleet.failures.push(ScriptedFleet.noServer());
    // Only the first: placement asks again, and those answers come in time.
    app.answerLate("requeue", LATE_MS);
    await app.passThenPlace();
    expect((await app.watchers.store.get(id))?.state).toBe("queued");
    expect(await eventually(async () => (app.published(id).at(-1) === "queued" ? true : undefined))).toBe(true);
  });
});
