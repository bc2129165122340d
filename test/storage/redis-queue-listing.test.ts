import { createClient, RESP_TYPES } from "redis";
import { describe, expect, it } from "vitest";
import { RedisKeys } from "../../src/storage/redis/redis-keys.ts";
import { SCRIPTS } from "../../src/storage/redis/redis-scripts.ts";
import { ticketFields } from "../../src/storage/redis/ticket-codec.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { useRedis } from "./redis-fixture.ts";
import { queuedTicket } from "./ticket-store-conformance.ts";

const redis = useRedis();
const T0 = queuedTicket("x").createdAt;

/** How many times the Redis server has run `command` so far (INFO commandstats: scripts' too). */
async function calls(command: string): Promise<number> {
  const info = await redis.inspector.info("commandstats");
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(info)?.[1] ?? 0);
}

/**
 * How many times the store listed the queue whole since `zrangeBefore` (ZRANGE calls then), over
 * `passes` of {@link openQueue}'s `listings`: each also runs two ZRANGEs in the pass's script
 * (allocating and expiring tickets by score) and one of its own (the set as Redis holds it).
 */
async function wholeListings(zrangeBefore: number, passes: number): Promise<number> {
  return (await calls("zrange")) - zrangeBefore - 3 * passes;
}

async function openQueue() {
  const keyPrefix = redis.freshPrefix();
  const storage = await redis.open({ keyPrefix });
  const keys = new RedisKeys(keyPrefix);
  const fence = (await storage.leases.hold("duel"))!;
  /** The ids a pass opened at `now` lists, and the sorted set's own listing right after. */
  const listings = async (now: number, claimedBefore = 0) => {
    const listed = (await storage.store.beginPass("duel", claimedBefore, now)).queued.map((ticket) => ticket.id);
    return { listed, inRedis: await redis.inspector.zRange(keys.queued("duel"), 0, -1) };
  };
  return { storage, keys, fence, listings };
}

describe("RedisTicketStore's listing of a queue", () => {
  it("follows the queue's change log pass after pass, listing exactly what the sorted set holds, and reads it whole only once", async () => {
    const { storage, keys, fence, listings } = await openQueue();
    const random = seededRandom(5);
    const queued = new Set<string>();
    // Allocating tickets: their match, and when they were claimed (a pass reclaims those claimed
    // over 1.5 s before it).
    const allocating = new Map<string, { matchId: string; at: number }>();
    let created = 0;
    let matches = 0;
    const zrangeBefore = await calls("zrange");
    const xrangeBefore = await calls("xrange");
    const passes = 25;
    for (let pass = 0; pass < passes; pass++) {
      const now = T0 + 1_000 + pass * 1_000;
      for (let step = 0; step < 30; step++) {
        const roll = random();
        const someQueued = [...queued][Math.floor(random() * queued.size)];
        const someAllocating = [...allocating.keys()][Math.floor(random() * allocating.size)];
        if (roll < 0.45 || someQueued === undefined) {
          // Created at one of a few times, many of them older than tickets already listed, some
          // expiring before the next pass.
          const id = `t${created++}`;
          const createdAt = T0 + Math.floor(random() * 6) * 100;
          // Expiring at the next pass (opened at now + 600), or long after the test.
          const expires = random() < 0.1;
          await storage.store.create(queuedTicket(id, { createdAt, ttlMs: expires ? now + 300 - createdAt : 3_600_000 }));
          if (!expires) queued.add(id);
        } else if (roll < 0.6) {
          await storage.store.cancel(someQueued, now);
          queued.delete(someQueued);
        } else if (roll < 0.85) {
          const matchId = `m${++matches}`;
          await storage.store.claim("duel", [{ matchId, ticketIds: [someQueued] }], now, fence);
          queued.delete(someQueued);
          allocating.set(someQueued, { matchId, at: now });
        } else if (someAllocating !== undefined) {
          await storage.store.requeue("duel", allocating.get(someAllocating)!.matchId, [someAllocating], now);
          allocating.delete(someAllocating);
          queued.add(someAllocating);
        }
      }
      const claimedBefore = now + 600 - 1_500;
      for (const [id, { at }] of allocating) {
        if (at >= claimedBefore) continue;
        allocating.delete(id);
        queued.add(id);
      }
      const { listed, inRedis } = await listings(now + 600, claimedBefore);
      expect(listed).toEqual(inRedis);
      expect(new Set(listed)).toEqual(queued);
    }
    // Whole on the first pass only; every later one read the changes since the one before, and
    // trimmed those it had read: the log holds about a pass's worth (Redis trims whole nodes of
    // 100 entries).
    expect(await wholeListings(zrangeBefore, passes)).toBe(1);
    expect((await calls("xrange")) - xrangeBefore).toBe(passes - 1);
    expect(await redis.inspector.xLen(keys.changes("duel"))).toBeLessThan(150);
    // The log forgets itself when the queue goes quiet.
    expect(await redis.inspector.pTTL(keys.changes("duel"))).toBeGreaterThan(0);
    expect(await redis.inspector.pTTL(keys.changesHead("duel"))).toBeGreaterThan(0);
  });

  it("lists the queue whole again when the changes since its last pass were trimmed from the log", async () => {
    const { storage, keys, listings } = await openQueue();
    for (const id of ["a", "b"]) await storage.store.create(queuedTicket(id));
    expect((await listings(T0 + 1)).listed).toEqual(["a", "b"]);
    await storage.store.create(queuedTicket("c", { createdAt: T0 - 1 }));
    await storage.store.cancel("a", T0 + 1);
    await storage.store.create(queuedTicket("d"));
    // Trimmed down to the last change: the ones before it are gone.
    await redis.inspector.xTrim(keys.changes("duel"), "MAXLEN", 1);
    const zrangeBefore = await calls("zrange");
    const { listed, inRedis } = await listings(T0 + 2);
    expect(listed).toEqual(["c", "b", "d"]);
    expect(listed).toEqual(inRedis);
    expect(await wholeListings(zrangeBefore, 1)).toBe(1);
  });

  it("lists the queue whole again when its change log was begun afresh (its keys lost)", async () => {
    const { storage, keys, listings } = await openQueue();
    for (const id of ["a", "b", "c"]) await storage.store.create(queuedTicket(id));
    expect((await listings(T0 + 1)).listed).toEqual(["a", "b", "c"]);
    // The log's keys go (an eviction, a failover to a replica without them) and numbering restarts
    // at 1: as many changes as the store has seen, but not the same ones.
    await redis.inspector.del([keys.changes("duel"), keys.changesHead("duel")]);
    await storage.store.cancel("a", T0 + 1);
    await storage.store.cancel("b", T0 + 1);
    await storage.store.create(queuedTicket("d"));
    const { listed, inRedis } = await listings(T0 + 2);
    expect(listed).toEqual(["c", "d"]);
    expect(listed).toEqual(inRedis);
  });

  it("begins the log afresh when its head alone is lost, and goes on changing the queue", async () => {
    const { storage, keys, listings } = await openQueue();
    for (const id of ["a", "b"]) await storage.store.create(queuedTicket(id));
    expect((await listings(T0 + 1)).listed).toEqual(["a", "b"]);
    await redis.inspector.del(keys.changesHead("duel"));
    await storage.store.create(queuedTicket("c"));
    await storage.store.cancel("a", T0 + 1);
    const { listed, inRedis } = await listings(T0 + 2);
    expect(listed).toEqual(["b", "c"]);
    expect(listed).toEqual(inRedis);
    await storage.store.create(queuedTicket("d"));
    expect((await listings(T0 + 3)).listed).toEqual(["b", "c", "d"]);
  });

  it("trims only the log its listing read: a log begun afresh keeps its entries, and is followed after one whole listing", async () => {
    const { storage, keys, listings } = await openQueue();
    for (const id of ["a", "b", "c", "d", "e"]) await storage.store.create(queuedTicket(id));
    await listings(T0 + 1);
    // The log's keys go (idle TTL, eviction); one change begins a new log at entry 1, below the
    // listing's 5.
    await redis.inspector.del([keys.changes("duel"), keys.changesHead("duel")]);
    await storage.store.cancel("a", T0 + 1);
    expect((await listings(T0 + 2)).listed).toEqual(["b", "c", "d", "e"]);
    expect(await redis.inspector.xLen(keys.changes("duel"))).toBe(1);
    // Quiet passes after: followed, not listed whole again and again.
    const zrangeBefore = await calls("zrange");
    for (let k = 0; k < 3; k++) await listings(T0 + 3 + k);
    expect(await wholeListings(zrangeBefore, 3)).toBe(0);
  });

  it("lists the queue whole again when its size says a change was made without logging it", async () => {
    const { storage, keys, listings } = await openQueue();
    for (const id of ["a", "b", "c"]) await storage.store.create(queuedTicket(id));
    expect((await listings(T0 + 1)).listed).toEqual(["a", "b", "c"]);
    // As an instance of an older version, which does not log its changes, would take b off.
    await redis.inspector.zRem(keys.queued("duel"), "b");
    await storage.store.create(queuedTicket("d"));
    const { listed, inRedis } = await listings(T0 + 2);
    expect(listed).toEqual(["a", "c", "d"]);
    expect(listed).toEqual(inRedis);
  });

  it("lists the queue whole at least once a minute, which catches what no check above could", async () => {
    const { storage, keys, listings } = await openQueue();
    for (const id of ["a", "b"]) await storage.store.create(queuedTicket(id, { ttlMs: 3_600_000 }));
    await listings(T0 + 1);
    // As an instance of an older version, which does not log its changes, would: a taken off and
    // c put on, so that the set's size stays the same.
    const elsewherePrefix = redis.freshPrefix();
    await (await redis.open({ keyPrefix: elsewherePrefix })).store.create(queuedTicket("c", { ttlMs: 3_600_000 }));
    const c = await redis.inspector.hGetAll(new RedisKeys(elsewherePrefix).ticket("duel", "c"));
    expect(c).not.toEqual({});
    await redis.inspector.hSet(keys.ticket("duel", "c"), c);
    await redis.inspector.zAdd(keys.queued("duel"), { score: T0, value: "c" });
    await redis.inspector.zRem(keys.queued("duel"), "a");
    expect((await listings(T0 + 59_000)).listed).toEqual(["a", "b"]);
    const { listed, inRedis } = await listings(T0 + 61_001);
    expect(listed).toEqual(["b", "c"]);
    expect(listed).toEqual(inRedis);
  });

  it("forgets its listing when the instance stops running the queue's passes", async () => {
    const { storage, listings } = await openQueue();
    await storage.store.create(queuedTicket("a"));
    await listings(T0 + 1);
    storage.store.passesEnded("duel");
    const zrangeBefore = await calls("zrange");
    await listings(T0 + 2);
    expect(await wholeListings(zrangeBefore, 1)).toBe(1);
  });

  it("lists the queue whole again after a failover that lost the last changes and numbered new ones the same", async () => {
    const { storage, keys, fence, listings } = await openQueue();
    await storage.store.create(queuedTicket("x", { ttlMs: 3_600_000 }));
    await listings(T0 + 1);
    await storage.store.claim("duel", [{ matchId: "m1", ticketIds: ["x"] }], T0 + 1, fence);
    await listings(T0 + 2);
    // What a replica holds, one change behind: x's requeue (change 3) never reaches it.
    const replica = await dumpQueue(keys.queue("duel"));
    await storage.store.requeue("duel", "m1", ["x"], T0 + 2);
    expect((await listings(T0 + 3)).listed).toEqual(["x"]);
    // The replica takes over, with the same epoch; its own change 3 adds y.
    await restoreQueue(keys.queue("duel"), replica);
    await storage.store.create(queuedTicket("y", { ttlMs: 3_600_000 }));
    const afterFailover = await listings(T0 + 4);
    expect(afterFailover.listed).toEqual(["y"]);
    expect(afterFailover.listed).toEqual(afterFailover.inRedis);
    // x comes back later: listed once.
    await storage.store.requeue("duel", "m1", ["x"], T0 + 5);
    const later = await listings(T0 + 6);
    expect(later.listed).toEqual(["x", "y"]);
    expect(later.listed).toEqual(later.inRedis);
  });

  it("tells the entry it saw last from one a failover lost and a retried call logged again with the same number and changes", async () => {
    const { storage, keys, listings } = await openQueue();
    await storage.store.create(queuedTicket("x", { ttlMs: 3_600_000 }));
    await listings(T0 + 1);
    const replica = await dumpQueue(keys.queue("duel"));
    // Change 2 adds a, change 3 removes x: the listing follows both, and saw change 3 last.
    await storage.store.create(queuedTicket("a", { createdAt: T0 + 2, ttlMs: 3_600_000 }));
    await storage.store.cancel("x", T0 + 3);
    expect((await listings(T0 + 4)).listed).toEqual(["a"]);
    // The replica takes over without changes 2 and 3. Clients retry: a's player enqueues anew (c,
    // change 2) and x's owner cancels again (change 3, "-x" as before), and the set has one ticket
    // again, as the listing has.
    await restoreQueue(keys.queue("duel"), replica);
    await storage.store.create(queuedTicket("c", { createdAt: T0 + 5, ttlMs: 3_600_000 }));
    await storage.store.cancel("x", T0 + 6);
    const afterFailover = await listings(T0 + 7);
    expect(afterFailover.inRedis).toEqual(["c"]);
    expect(afterFailover.listed).toEqual(afterFailover.inRedis);
  });

  it("lists the queue whole again when more changes came than a pass reads", async () => {
    const { storage, listings } = await openQueue();
    await storage.store.create(queuedTicket("first"));
    await listings(T0 + 1);
    // More entries than a pass reads: 256 at least, one for every 8 tickets of a longer queue.
    const ids = Array.from({ length: 300 }, (_, k) => `n${String(k).padStart(4, "0")}`);
    await Promise.all(ids.map((id) => storage.store.create(queuedTicket(id, { createdAt: T0 + 1 }))));
    const zrangeBefore = await calls("zrange");
    const { listed, inRedis } = await listings(T0 + 2);
    expect(listed).toEqual(["first", ...ids]);
    expect(listed).toEqual(inRedis);
    expect(await wholeListings(zrangeBefore, 1)).toBe(1);
  });

  it("lists the queue whole, and goes on matching, when a change in the log cannot be read", async () => {
    const { storage, keys, listings } = await openQueue();
    await storage.store.create(queuedTicket("a"));
    await listings(T0 + 1);
    const seq = await redis.inspector.hIncrBy(keys.changesHead("duel"), "seq", 1);
    await redis.inspector.xAdd(keys.changes("duel"), `0-${seq}`, { changes: "?a" });
    await storage.store.create(queuedTicket("b"));
    const { listed, inRedis } = await listings(T0 + 2);
    expect(listed).toEqual(["a", "b"]);
    expect(listed).toEqual(inRedis);
  });

  it("keeps nothing a pass read when the instance stopped running the queue's passes during it", async () => {
    const { storage, listings } = await openQueue();
    await storage.store.create(queuedTicket("a"));
    const opening = storage.store.beginPass("duel", 0, T0 + 1);
    storage.store.passesEnded("duel");
    expect((await opening).queued.map((ticket) => ticket.id)).toEqual(["a"]);
    const zrangeBefore = await calls("zrange");
    await listings(T0 + 2);
    expect(await wholeListings(zrangeBefore, 1)).toBe(1);
  });

  it("logs what a store script changed before it failed (Redis keeps a failed script's writes)", async () => {
    const { storage, keys, listings } = await openQueue();
    await storage.store.create(queuedTicket("a"));
    await listings(T0 + 1);
    // The create script with an expiry Redis cannot read: it fails after adding the ticket to the
    // queued set (the expiry index comes next).
    const scripted = createClient({ url: redis.server.url, scripts: SCRIPTS });
    await scripted.connect();
    try {
      const broken = scripted.createTicket([keys.queue("duel")], ["b", T0, "soon", 60_000, "", "", 1, "b-p", ...ticketFields(queuedTicket("b"))]);
      await expect(broken).rejects.toThrow(/not a valid float/);
    } finally {
      scripted.destroy();
    }
    expect(await redis.inspector.zRange(keys.queued("duel"), 0, -1)).toEqual(["a", "b"]);
    const zrangeBefore = await calls("zrange");
    await listings(T0 + 2);
    // Followed, not listed whole: the log has b's addition.
    expect(await wholeListings(zrangeBefore, 1)).toBe(0);
    expect((await redis.inspector.xRange(keys.changes("duel"), "-", "+"))?.at(-1)?.message).toEqual({ changes: `+${T0}:b`, at: expect.stringMatching(/^\d+\.\d+$/) });
  });

  it("follows the pass's own removal of an index entry whose ticket is gone", async () => {
    const { storage, keys, listings } = await openQueue();
    for (const id of ["a", "b"]) await storage.store.create(queuedTicket(id, { ttlMs: 1_000 }));
    await storage.store.create(queuedTicket("c", { ttlMs: 3_600_000 }));
    await listings(T0 + 1);
    // a's hash is gone behind the store's back (its safety TTL ran out, or an eviction): the pass
    // that finds a due to expire drops its index entries, and logs that it did.
    await redis.inspector.del(keys.ticket("duel", "a"));
    const zrangeBefore = await calls("zrange");
    const { listed, inRedis } = await listings(T0 + 2_000);
    expect(listed).toEqual(["c"]);
    expect(listed).toEqual(inRedis);
    expect(await wholeListings(zrangeBefore, 1)).toBe(0);
  });
});

/** Every key under `prefix` as `DUMP` gives it, with its TTL: what a replica or a snapshot holds. */
async function dumpQueue(prefix: string): Promise<{ key: string; value: Buffer; ttlMs: number }[]> {
  const dumped: { key: string; value: Buffer; ttlMs: number }[] = [];
  for (const key of await redis.inspector.keys(`${prefix}*`)) {
    const value = await redis.inspector.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).dump(key);
    dumped.push({ key, value, ttlMs: await redis.inspector.pTTL(key) });
  }
  return dumped;
}

/** Replaces every key under `prefix` with `dumped`. */
async function restoreQueue(prefix: string, dumped: readonly { key: string; value: Buffer; ttlMs: number }[]): Promise<void> {
  const current = await redis.inspector.keys(`${prefix}*`);
  if (current.length > 0) await redis.inspector.del(current);
  for (const { key, value, ttlMs } of dumped) await redis.inspector.restore(key, Math.max(ttlMs, 0), value, { REPLACE: true });
}
