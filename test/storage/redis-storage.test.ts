import { describe, expect, it, vi } from "vitest";
import { UnavailableError } from "../../src/application/errors.ts";
import type { Ticket } from "../../src/domain/ticket.ts";
import { createRedisStorage, RedisClusterNotSupportedError } from "../../src/storage/redis/redis-storage.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { startRedisServer } from "../support/redis-server.ts";
import pino from "pino";
import { createClient } from "redis";
import { queuedTicket } from "./ticket-store-conformance.ts";
import { eventually, nextValue, useRedis } from "./redis-fixture.ts";
import { allWaiting } from "../support/waiting-after-pass.ts";

const redis = useRedis();
const T0 = queuedTicket("x").createdAt;

/** Two instances sharing one Redis. */
async function twoInstances(options: { leaseTtlMs?: number } = {}) {
  const keyPrefix = redis.freshPrefix();
  const a = await redis.open({ keyPrefix, instanceId: "a", ...options });
  const b = await redis.open({ keyPrefix, instanceId: "b", ...options });
  return { a, b, keyPrefix };
}

/** Storage opened straight on the Redis at `url`, as one instance opens it at start. */
function openStorageAt(url: string) {
  return createRedisStorage({ url, clock: new ManualClock(), retentionMs: 1_000, instanceId: "a", leaseTtlMs: 1_000, logger: pino({ level: "silent" }) });
}

/** Collects what a ticket subscription delivers, and lets a test await the next delivery. */
function recorder() {
  const received: Ticket[] = [];
  let waiting: ((ticket: Ticket) => void) | undefined;
  return {
    received,
    listener: (ticket: Ticket) => {
      received.push(ticket);
      waiting?.(ticket);
    },
    next: () => nextValue<Ticket>((resolve) => (waiting = resolve)),
  };
}

describe("RedisTicketEvents", () => {
  it("delivers a change published on one instance to a watcher on another", async () => {
    const { a, b } = await twoInstances();
    const ticket = queuedTicket("t1");
    await a.store.create(ticket);
    const watcher = recorder();
    const caughtUp = watcher.next();
    b.events.subscribe("t1", watcher.listener);
    // The stored ticket arrives once the subscription is in place.
    expect(await caughtUp).toEqual(ticket);

    const cancelled = await a.store.cancel("t1", T0 + 5);
    const delivered = watcher.next();
    await a.events.publish(cancelled.outcome === "cancelled" ? [cancelled.ticket] : []);

    expect(await delivered).toEqual({ ...ticket, state: "cancelled", version: 2, updatedAt: T0 + 5 });
  });

  it("delivers only to the ticket's own watchers, and nothing after unsubscribing", async () => {
    const { a, b } = await twoInstances();
    await a.store.create(queuedTicket("t1"));
    await a.store.create(queuedTicket("t2"));
    const one = recorder();
    const two = recorder();
    const oneReady = one.next();
    const twoReady = two.next();
    const stopOne = b.events.subscribe("t1", one.listener);
    b.events.subscribe("t2", two.listener);
    await Promise.all([oneReady, twoReady]);

    stopOne();
    const delivered = two.next();
    await a.events.publish([{ ...queuedTicket("t1"), version: 9 }, { ...queuedTicket("t2"), version: 9 }]);

    expect((await delivered).id).toBe("t2");
    expect(one.received.map((ticket) => ticket.version)).toEqual([1]);
  });
});

describe("RedisTicketEvents catch-up", () => {
  // Above about 1,600 watched tickets node-redis's own resubscription used to hang the reconnect
  // for good (see WRITE_BUFFER in redis-connection.ts), and reads sent all at once missed the deadline.
  it("brings thousands of watchers up to date after their subscriber connection was cut", async () => {
    const keyPrefix = redis.freshPrefix();
    const a = await redis.open({ keyPrefix, instanceId: "writer" });
    const b = await redis.open({ keyPrefix, instanceId: "watcher", commandTimeoutMs: 200 });
    const ids = Array.from({ length: 5000 }, (_, index) => `w${index}`);
    const inBatches = async (work: (id: string) => Promise<unknown>) => {
      for (let start = 0; start < ids.length; start += 250) await Promise.all(ids.slice(start, start + 250).map(work));
    };
    await inBatches((id) => a.store.create(queuedTicket(id)));
    const latest = new Map<string, number>();
    for (const id of ids) b.events.subscribe(id, (ticket) => latest.set(id, Math.max(latest.get(id) ?? 0, ticket.version)));
    await eventually(async () => (latest.size === ids.length ? true : undefined), 20_000);

    // Changed without a message, as if published while the watchers' instance could not hear it:
    // only the catch-up after the reconnect can tell them.
    await inBatches((id) => a.store.cancel(id, T0 + 5));
    const clients = String(await redis.inspector.sendCommand(["CLIENT", "LIST"]));
    const events = /^id=(\d+) .*name=matchmaker-events-watcher\b/m.exec(clients);
    expect(events).not.toBeNull();
    await redis.inspector.sendCommand(["CLIENT", "KILL", "ID", events![1]!]);

    await eventually(async () => (ids.every((id) => latest.get(id) === 2) ? true : undefined), 20_000);
  }, 60_000);
});

describe("RedisQueueProgress", () => {
  it("places queued tickets by creation time then id, live as the queue changes", async () => {
    const { a, b } = await twoInstances();
    const tickets = [queuedTicket("c", { createdAt: T0 }), queuedTicket("b", { createdAt: T0 }), queuedTicket("a", { createdAt: T0 + 1 })];
    for (const ticket of tickets) await a.store.create(ticket);

    expect(await Promise.all(tickets.map((ticket) => b.progress.positionOf("duel", ticket)))).toEqual([2, 1, 3]);

    await a.store.cancel("b", T0 + 10);
    expect(await b.progress.positionOf("duel", tickets[2]!)).toBe(2);
    // A ticket no longer queued is placed behind every older one.
    expect(await b.progress.positionOf("duel", tickets[1]!)).toBe(1);
    expect(await b.progress.positionOf("empty", tickets[0]!)).toBe(1);
  });

  it("shares the matched-wait estimate, in whole seconds", async () => {
    const { a, b } = await twoInstances();
    expect(await b.progress.estimatedWaitMs("duel", 0)).toBeUndefined();

    await a.progress.recordMatchedWaits("duel", [10_000]);
    expect(await b.progress.estimatedWaitMs("duel", 0)).toBe(10_000);

    await b.progress.recordMatchedWaits("duel", [20_000]);
    expect(await a.progress.estimatedWaitMs("duel", 0)).toBe(11_000);
    expect(await a.progress.estimatedWaitMs("duel", 4_400)).toBe(7_000);
    expect(await a.progress.estimatedWaitMs("duel", 60_000)).toBe(0);

    // A match's waits in one call, in order: 11,000 -> 11,900 -> 12,710, rounded to whole seconds.
    await b.progress.recordMatchedWaits("duel", [20_000, 20_000]);
    expect(await a.progress.estimatedWaitMs("duel", 0)).toBe(13_000);
  });

  it("signals every pass to listeners on every instance", async () => {
    const { a, b } = await twoInstances();
    let passes = 0;
    let signal: (() => void) | undefined;
    const subscribed = nextValue<void>((resolve) => (signal = resolve));
    const stop = b.progress.onPass("duel", () => {
      passes++;
      signal?.();
    });
    await subscribed;
    const counted = passes;

    const passed = nextValue<void>((resolve) => (signal = resolve));
    await a.progress.recordPass("duel", allWaiting([]));
    await passed;
    expect(passes).toBe(counted + 1);

    stop();
  });
});

describe("RedisMatchingLeases", () => {
  it("gives a queue's lease to exactly one of several contenders, and renews it for the holder", async () => {
    const keyPrefix = redis.freshPrefix();
    const instances = await Promise.all(["a", "b", "c"].map((instanceId) => redis.open({ keyPrefix, instanceId })));

    const tokens = await Promise.all(instances.map((instance) => instance.leases.hold("duel")));

    const winners = tokens.flatMap((token, index) => (token === undefined ? [] : [index]));
    expect(winners).toHaveLength(1);
    const holder = instances[winners[0]!]!;
    expect(await holder.leases.hold("duel")).toBe(tokens[winners[0]!]);
    expect(await instances[(winners[0]! + 1) % 3]!.leases.hold("other")).toBeDefined();
  });

  it("lets another instance take over once the holder stops renewing, with a larger token", async () => {
    const { a, b } = await twoInstances({ leaseTtlMs: 300 });
    const first = (await a.leases.hold("duel"))!;
    expect(await b.leases.hold("duel")).toBeUndefined();

    const started = Date.now();
    const second = await eventually(() => b.leases.hold("duel"), 2_000);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(second).toBeGreaterThan(first);
    expect(await a.leases.hold("duel")).toBeUndefined();
  });

  it("hands the lease over at once on release, with tokens that only grow", async () => {
    const { a, b } = await twoInstances();
    const tokens: (number | undefined)[] = [];
    tokens.push(await a.leases.hold("duel"));
    await b.leases.release("duel");
    expect(await b.leases.hold("duel")).toBeUndefined();
    await a.leases.release("duel");
    tokens.push(await b.leases.hold("duel"));
    await b.leases.release("duel");
    tokens.push(await a.leases.hold("duel"));

    expect(tokens).toEqual([1, 2, 3]);
  });
});

describe("RedisQueueStatsBoard", () => {
  it("serves on every instance the snapshot the lease holder published last", async () => {
    const { a, b } = await twoInstances();
    const snapshot = (ticketsWaiting: number) => ({
      queue: "duel",
      takenAt: T0,
      windowMs: 300_000,
      regions: [
        {
          region: "eu-west",
          ticketsWaiting,
          playersWaiting: ticketsWaiting,
          oldestWaitingSince: T0 - 5_000,
          waitP50Ms: 1_000,
          waitP90Ms: undefined,
          waitP99Ms: undefined,
          matchesPerMinute: 1.5,
        },
      ],
    });
    expect(await b.queueStats.read()).toEqual([]);
    await a.queueStats.publish(snapshot(3));
    await a.queueStats.publish(snapshot(7));
    const [read] = await b.queueStats.read();
    expect(read).toMatchObject({ queue: "duel", regions: [{ ticketsWaiting: 7, waitP50Ms: 1_000, matchesPerMinute: 1.5 }] });
    expect(read!.regions[0]!.waitP90Ms).toBeUndefined();
  });
});

describe("RedisRedemptionLedger", () => {
  it("admits each match ticket once across instances and forgets it after rememberUntil", async () => {
    const clock = new ManualClock();
    const keyPrefix = redis.freshPrefix();
    const a = await redis.open({ keyPrefix, clock });
    const b = await redis.open({ keyPrefix, clock });

    const results = await Promise.all([a, b, a, b].map((instance) => instance.redemptions.consume("mt-1", clock.now() + 30_000, "")));

    expect(results.filter(Boolean)).toHaveLength(1);
    const ttl = await redis.inspector.pTTL(`${keyPrefix}:redeemed:mt-1`);
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_001);
    expect(await a.redemptions.consume("mt-2", clock.now() - 1, "")).toBe(true);
  });

  it("admits again, on any instance, the call that redeemed a ticket by its redemption id, and nothing else", async () => {
    const clock = new ManualClock();
    const keyPrefix = redis.freshPrefix();
    const a = await redis.open({ keyPrefix, clock });
    const b = await redis.open({ keyPrefix, clock });

    expect(await a.redemptions.consume("mt-3", clock.now() + 30_000, "conn-7")).toBe(true);
    expect(await b.redemptions.consume("mt-3", clock.now() + 30_000, "conn-7")).toBe(true);
    expect(await b.redemptions.consume("mt-3", clock.now() + 30_000, "conn-8")).toBe(false);
    expect(await a.redemptions.consume("mt-3", clock.now() + 30_000, "")).toBe(false);
    // An entry written before redemption ids existed ("1") admits nothing again.
    await redis.inspector.set(`${keyPrefix}:redeemed:mt-4`, "1");
    expect(await a.redemptions.consume("mt-4", clock.now() + 30_000, "1")).toBe(false);
  });
});

describe("Redis outages", () => {
  it("leaves deadlines to its own commands layer: no per-command timer in the client", async () => {
    const storage = await redis.open();
    // node-redis would otherwise arm an AbortSignal.timeout for every command (its default since
    // version 6), whose timer fires seconds after the reply and builds an error then.
    const timeouts = vi.spyOn(AbortSignal, "timeout");
    try {
      await storage.store.create(queuedTicket("t1"));
      await storage.store.beginPass("duel", 0, T0 + 1);
      await storage.store.get("t1");
      expect(timeouts).not.toHaveBeenCalled();
    } finally {
      timeouts.mockRestore();
    }
  });

  it("fails a call Redis does not answer in time instead of hanging", async () => {
    const storage = await redis.open({ commandTimeoutMs: 300 });
    await storage.store.create(queuedTicket("t1"));
    await redis.inspector.sendCommand(["CLIENT", "PAUSE", "1000", "ALL"]);
    const started = Date.now();

    await expect(storage.store.get("t1")).rejects.toBeInstanceOf(UnavailableError);

    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(900);
    expect(await eventually(() => storage.store.get("t1"))).toMatchObject({ id: "t1" });
  });

  it("takes an answer that arrived in time while this process was too busy to read it", async () => {
    const storage = await redis.open({ commandTimeoutMs: 100 });
    const pinging = storage.ping();
    // The command is written on the next turn of the event loop; then the process stalls past the deadline.
    await new Promise((resolve) => setImmediate(resolve));
    const stalledUntil = Date.now() + 300;
    while (Date.now() < stalledUntil);

    expect(await pinging).toBe(true);
  });

  it("refuses to start when Redis cannot be reached", async () => {
    const server = await startRedisServer();
    await server.stop();
    const started = Date.now();

    const opening = openStorageAt(server.url);

    await expect(opening).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("refuses to start on a Redis Cluster node, whose other nodes' keys it could not reach", async () => {
    const server = await startRedisServer({ clusterNode: true });
    try {
      const opening = openStorageAt(server.url);

      await expect(opening).rejects.toBeInstanceOf(RedisClusterNotSupportedError);
      await expect(opening).rejects.toThrow(/Redis Cluster is not supported: use a standalone Redis primary/);
    } finally {
      await server.stop();
    }
  });

  it("starts for a least-privilege user, who may not run INFO or other @dangerous commands", async () => {
    await redis.inspector.sendCommand(["ACL", "SETUSER", "matchmaker", "on", ">matchmaker-password", "+@all", "-@dangerous", "~*", "&*"]);
    const storage = await openStorageAt(redis.server.url.replace("redis://", "redis://matchmaker:matchmaker-password@"));
    try {
      expect(await storage.redemptions.consume("acl-1", Date.now() + 30_000, "")).toBe(true);
    } finally {
      await storage.close();
    }
  });

  it("loads its scripts as soon as it connects, and again once a restarted Redis is back: no call meets NOSCRIPT", async () => {
    const server = await startRedisServer();
    const inspector = createClient({ url: server.url });
    inspector.on("error", () => {});
    const storage = await createRedisStorage({
      url: server.url,
      clock: new ManualClock(),
      retentionMs: 600_000,
      instanceId: "a",
      leaseTtlMs: 10_000,
      logger: pino({ level: "silent" }),
      keyPrefix: redis.freshPrefix(),
    });
    /** Scripts Redis refused to run for want of their text, since it started. */
    const noScriptErrors = async (): Promise<number> => {
      const stats = await inspector.info("errorstats");
      return Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(stats)?.[1] ?? 0);
    };
    /** One call of every script the store, the progress board and the leases run. */
    const everyKindOfCall = async (id: string) => {
      await storage.store.create(queuedTicket(id));
      await storage.store.beginPass("duel", T0, T0);
      await storage.progress.positionOf("duel", queuedTicket(id));
      await storage.leases.hold("duel");
      await storage.store.cancel(id, T0);
    };
    try {
      await inspector.connect();
      await everyKindOfCall("t1");
      expect(await noScriptErrors()).toBe(0);

      await server.restart();
      await eventually(async () => ((await storage.ping()) ? true : undefined));
      await everyKindOfCall("t2");
      expect(await noScriptErrors()).toBe(0);
    } finally {
      await storage.close();
      inspector.destroy();
      await server.stop();
    }
  });

  it("fails fast while Redis is down and works again, subscriptions included, once it is back", async () => {
    const server = await startRedisServer();
    const keyPrefix = redis.freshPrefix();
    const open = (instanceId: string) =>
      createRedisStorage({
        url: server.url,
        clock: new ManualClock(),
        retentionMs: 600_000,
        instanceId,
        leaseTtlMs: 10_000,
        logger: pino({ level: "silent" }),
        keyPrefix,
      });
    const a = await open("a");
    const b = await open("b");
    try {
      await a.store.create(queuedTicket("t1"));
      const watcher = recorder();
      const caughtUp = watcher.next();
      let reportGone = () => {};
      const gone = new Promise<void>((resolve) => (reportGone = resolve));
      b.events.subscribe("t1", watcher.listener, reportGone);
      await caughtUp;

      await server.stop();
      const started = Date.now();
      const calls = [
        a.store.get("t1"),
        a.store.create(queuedTicket("t2")),
        a.store.claim("duel", [{ matchId: "m1", ticketIds: ["t1"] }], T0, 1),
        a.events.publish([queuedTicket("t1")]),
        a.progress.positionOf("duel", queuedTicket("t1")),
        a.leases.hold("duel"),
        a.redemptions.consume("mt-1", T0, ""),
      ];
      for (const call of calls) await expect(call).rejects.toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await a.ping()).toBe(false);

      await server.restart();
      // B's subscription comes back by itself: publishing (on A, once it is back too) reaches it.
      const restored = await eventually(async () => {
        await a.events.publish([{ ...queuedTicket("t1"), version: 7 }]);
        return watcher.received.find((ticket) => ticket.version === 7);
      });
      expect(restored.id).toBe("t1");

      // The restarted server is empty (no persistence): the ticket is gone, its watcher is told so
      // by the catch-up read after the reconnect, and new tickets work.
      expect(await a.store.get("t1")).toBeUndefined();
      await gone;
      expect((await a.store.create(queuedTicket("t3"))).outcome).toBe("created");
      expect(await a.leases.hold("duel")).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await server.stop();
    }
  });
});
