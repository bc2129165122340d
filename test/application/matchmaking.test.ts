import { describe, expect, it, vi } from "vitest";
import type { Caller } from "../../src/application/caller.ts";
import type { EnqueueCommand } from "../../src/application/enqueue-ticket.ts";
import {
  InvalidArgumentError,
  NotFoundError,
  PassListingError,
  PermissionDeniedError,
  PlayerAlreadyQueuedError,
  TicketStateError,
  UnavailableError,
} from "../../src/application/errors.ts";
import { FIRST_PAUSE_MS } from "../../src/application/allocation-backoff.ts";
import { AllocationError } from "../../src/application/ports/game-server-allocator.ts";
import { PROGRESS_UPDATE_INTERVAL_MS } from "../../src/application/progress-updates.ts";
import type { TicketView } from "../../src/application/ticket-view.ts";
import { applicationHarness, DeferredProgress, noMetrics } from "../support/application-harness.ts";
import { queueConfig } from "../support/queue-fixtures.ts";
import { ScriptedFleet } from "../support/test-fleet.ts";
import { InMemoryTicketStore } from "../../src/storage/memory/in-memory-ticket-store.ts";

const service: Caller = { kind: "service", subject: "game-backend" };
const player = (userId: string): Caller => ({ kind: "player", userId });

function command(userIds: string | readonly string[], overrides: Partial<EnqueueCommand> = {}): EnqueueCommand {
  const ids = typeof userIds === "string" ? [userIds] : userIds;
  return {
    queue: "duel",
    players: ids.map((userId) => ({ userId, skill: 1000 })),
    partyId: "",
    latencyMs: { "eu-west": 30 },
    requestId: "",
    ...overrides,
  };
}

/**
 * One allocation slot, two duels claimed (a-b allocating behind a closed gate, c-d in line): the
 * harness, the four tickets, and the gate's opener.
 */
async function oneAllocatingOneInLine(options: { allocationTimeoutMs?: number } = {}) {
  const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 1, ...options });
  const views: TicketView[] = [];
  for (const userId of ["a", "b", "c", "d"]) views.push(await h.matchmaker.enqueue(service, command(userId)));
  let open!: () => void;
  h.fleet.gate = new Promise((resolve) => (open = resolve));
  expect((await h.passWithoutPlacing("duel")).matches).toBe(2);
  return { h, views, open };
}

/**
 * Holds the harness's fleet's answers. `answerOpen(ms, requests)` answers the calls open now after
 * `ms` of the manual clock, holds the next ones, and waits until the fleet has seen `requests` calls
 * in all (the matches in line reaching it); `answerAll(ms)` answers those open after `ms` and every
 * later one at once.
 */
function fleetGate(h: ReturnType<typeof applicationHarness>) {
  let open!: () => void;
  const hold = () => (h.fleet.gate = new Promise((resolve) => (open = resolve)));
  hold();
  return {
    async answerOpen(ms: number, requests?: number) {
      h.clock.advance(ms);
      const answer = open;
      hold();
      answer();
      if (requests !== undefined) await vi.waitFor(() => expect(h.fleet.requests).toHaveLength(requests));
    },
    answerAll(ms: number) {
      h.clock.advance(ms);
      h.fleet.gate = undefined;
      open();
    },
  };
}

/** How many more matches of `queue` in eu-west placement would take now (found by reserving, then given back). */
function roomLeft(h: ReturnType<typeof applicationHarness>, queue: string, tickIntervalMs: number): number {
  let room = 0;
  while (room < 10_000 && h.placement.reserve(queue, "eu-west", tickIntervalMs)) room++;
  for (let index = 0; index < room; index++) h.placement.unreserve(queue, "eu-west");
  return room;
}

describe("enqueue", () => {
  it("creates a queued ticket with its expiry", async () => {
    const h = applicationHarness([queueConfig({ ticketTtlMs: 60_000 })]);
    const view = await h.matchmaker.enqueue(service, command("alice"));
    expect(view).toMatchObject({ state: "queued", queue: "duel", userIds: ["alice"], position: 1 });
    expect(view.expiresAt - view.createdAt).toBe(60_000);
  });

  it("returns the same ticket when a request is retried with its request id", async () => {
    const h = applicationHarness([queueConfig()]);
    const first = await h.matchmaker.enqueue(service, command("alice", { requestId: "r-1" }));
    const retry = await h.matchmaker.enqueue(service, command("alice", { requestId: "r-1" }));
    expect(retry.id).toBe(first.id);
  });

  it("rejects a request id reused for a different party", async () => {
    const h = applicationHarness([queueConfig()]);
    await h.matchmaker.enqueue(service, command("alice", { requestId: "r-1" }));
    await expect(h.matchmaker.enqueue(service, command("bob", { requestId: "r-1" }))).rejects.toMatchObject({
      field: "request_id",
    });
  });

  it("keeps request ids of different callers apart", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(player("alice"), command("alice", { requestId: "same" }));
    const b = await h.matchmaker.enqueue(player("bob"), command("bob", { requestId: "same" }));
    expect(a.id).not.toBe(b.id);
  });

  it("refuses a second live ticket for a player in the same queue, naming the first", async () => {
    const h = applicationHarness([queueConfig({ teamSize: 2, maxPartySize: 2 }), queueConfig({ name: "other" })]);
    const first = await h.matchmaker.enqueue(service, command("alice"));
    const error = await h.matchmaker.enqueue(service, command(["bob", "alice"], { queue: "duel" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlayerAlreadyQueuedError);
    expect((error as Error).message).toContain(first.id);
    // Another queue is fine.
    await expect(h.matchmaker.enqueue(service, command("alice", { queue: "other" }))).resolves.toMatchObject({ state: "queued" });
  });

  it("lets a player queue again once their ticket is cancelled", async () => {
    const h = applicationHarness([queueConfig()]);
    const first = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.cancelTicket(service, first.id);
    await expect(h.matchmaker.enqueue(service, command("alice"))).resolves.toMatchObject({ state: "queued" });
  });

  it("reports an unknown queue as not found and queue-rule breaches as invalid arguments", async () => {
    const h = applicationHarness([queueConfig()]);
    await expect(h.matchmaker.enqueue(service, command("a", { queue: "nope" }))).rejects.toBeInstanceOf(NotFoundError);
    await expect(h.matchmaker.enqueue(service, command(["a", "b"]))).rejects.toMatchObject({ field: "players" });
    await expect(h.matchmaker.enqueue(service, command("a", { latencyMs: { moon: 1 } }))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it("lets a player enqueue only themself, alone: naming others would queue them without their consent", async () => {
    const h = applicationHarness([queueConfig({ teamSize: 2, maxPartySize: 2 })]);
    await expect(h.matchmaker.enqueue(player("mallory"), command(["alice", "bob"]))).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(h.matchmaker.enqueue(player("mallory"), command(["mallory", "victim"]))).rejects.toThrow(
      "a player may only enqueue themself alone; parties are enqueued with a service token",
    );
    await expect(h.matchmaker.enqueue(player("mallory"), command(["victim"]))).rejects.toBeInstanceOf(PermissionDeniedError);
    // The victim was not queued by any of that.
    await expect(h.matchmaker.enqueue(player("victim"), command(["victim"]))).resolves.toMatchObject({ state: "queued" });
    const party = await h.matchmaker.enqueue(service, command(["alice", "bob"]));
    await expect(h.matchmaker.getTicket(player("bob"), party.id)).resolves.toMatchObject({ state: "queued" });
  });
});

describe("ticket access", () => {
  it("hides other players' tickets exactly like missing ones", async () => {
    const h = applicationHarness([queueConfig()]);
    const ticket = await h.matchmaker.enqueue(service, command("alice"));
    const foreign = await h.matchmaker.getTicket(player("eve"), ticket.id).catch((e: unknown) => e);
    const missing = await h.matchmaker.getTicket(player("eve"), "no-such-ticket").catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(NotFoundError);
    expect(missing).toBeInstanceOf(NotFoundError);
    await expect(h.matchmaker.cancelTicket(player("eve"), ticket.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(h.matchmaker.getTicket(player("alice"), ticket.id)).resolves.toMatchObject({ id: ticket.id });
  });
});

describe("matching", () => {
  it("matches, assigns a server and gives each player their own credential", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    const b = await h.matchmaker.enqueue(service, command("bob"));
    const summary = await h.pass("duel");
    expect(summary.matches).toBe(1);
    const seenByAlice = await h.matchmaker.getTicket(player("alice"), a.id);
    const seenByService = await h.matchmaker.getTicket(service, b.id);
    expect(seenByAlice.state).toBe("matched");
    expect(seenByAlice.assignment).toMatchObject({ serverAddress: "10.0.0.1:7777", region: "eu-west" });
    expect(seenByAlice.assignment!.matchTicket).toBe(`mt-alice-${seenByAlice.assignment!.matchId}`);
    expect(seenByAlice.assignment!.partyMatchTickets).toEqual([]);
    expect(seenByService.assignment!.partyMatchTickets).toEqual([{ userId: "bob", matchTicket: expect.stringContaining("mt-bob") }]);
    expect(seenByAlice.assignment!.teams).toHaveLength(2);
    expect(h.issuer.issued.map((claims) => claims.serverId)).toEqual(["gs-internal-eu-west-1", "gs-internal-eu-west-1"]);
  });

  it("never puts fleet-internal identifiers in a view", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    await h.pass("duel");
    const text = JSON.stringify(await h.matchmaker.getTicket(service, a.id));
    for (const secret of ["gs-internal", "node-secret", "cluster-secret", "scripted"]) expect(text).not.toContain(secret);
  });

  it("pushes queued, then matched with the assignment, to every watcher", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    const watchers = [collect(h.matchmaker.watchTicket(player("alice"), a.id, new AbortController().signal)),
      collect(h.matchmaker.watchTicket(service, a.id, new AbortController().signal))];
    await h.matchmaker.enqueue(service, command("bob"));
    await h.pass("duel");
    for (const views of await Promise.all(watchers)) {
      expect(views[0]!.state).toBe("queued");
      expect(views.at(-1)!.state).toBe("matched");
      expect(views.at(-1)!.assignment?.serverAddress).toBe("10.0.0.1:7777");
    }
  });

  it("returns tickets to the queue with their priority when allocation fails", async () => {
    const h = applicationHarness([queueConfig()]);
    const old = await h.matchmaker.enqueue(service, command("old"));
    h.clock.advance(1_000);
    await h.matchmaker.enqueue(service, command("mid"));
    h.fleet.failures.push(ScriptedFleet.noServer());
    await h.pass("duel");
    const requeued = await h.matchmaker.getTicket(service, old.id);
    expect(requeued).toMatchObject({ state: "queued", createdAt: old.createdAt });
    h.clock.advance(1_000);
    await h.matchmaker.enqueue(service, command("new"));
    await h.pass("duel");
    // The old ticket kept its place: it is matched ahead of the newcomer.
    expect((await h.matchmaker.getTicket(service, old.id)).state).toBe("matched");
  });

  it("leaves a region alone after its fleet fails to allocate, and matches there again once the pause is over", async () => {
    const h = applicationHarness([queueConfig({ regions: [{ name: "eu-west", maxLatencyMs: 150 }] })]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    h.fleet.failures.push(ScriptedFleet.noServer());
    await h.pass("duel");
    expect(h.fleet.requests).toHaveLength(1);
    // The next pass comes before the pause is over: no match is formed, the fleet is not asked.
    h.clock.advance(FIRST_PAUSE_MS - 1);
    expect((await h.pass("duel")).matches).toBe(0);
    expect(h.fleet.requests).toHaveLength(1);
    expect((await h.matchmaker.getTicket(service, a.id)).state).toBe("queued");
    h.clock.advance(1);
    expect((await h.pass("duel")).matches).toBe(1);
    expect((await h.matchmaker.getTicket(service, a.id)).state).toBe("matched");
  });

  it("matches tickets in another region they may play in while theirs is paused", async () => {
    const h = applicationHarness([queueConfig()]);
    const both = { "eu-west": 20, "us-east": 90 };
    const a = await h.matchmaker.enqueue(service, command("alice", { latencyMs: both }));
    await h.matchmaker.enqueue(service, command("bob", { latencyMs: both }));
    h.fleet.failures.push(ScriptedFleet.noServer());
    await h.pass("duel");
    await h.pass("duel");
    expect(h.fleet.requests.map((request) => request.region)).toEqual(["eu-west", "us-east"]);
    expect((await h.matchmaker.getTicket(service, a.id)).assignment?.region).toBe("us-east");
  });

  it("pauses a region whose fleet refuses outright (misconfigured) as well as one that is full", async () => {
    const h = applicationHarness([queueConfig({ regions: [{ name: "eu-west", maxLatencyMs: 150 }] })]);
    await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    h.fleet.failures.push(new AllocationError("permission denied: the fleet refused our credentials", { retryable: false }));
    await h.pass("duel");
    expect((await h.pass("duel")).matches).toBe(0);
    expect(h.fleet.requests).toHaveLength(1);
  });

  it("allocates matches concurrently instead of queueing them behind one another", async () => {
    const h = applicationHarness([queueConfig()]);
    for (const userId of ["a", "b", "c", "d", "e", "f"]) await h.matchmaker.enqueue(service, command(userId));
    let open!: () => void;
    h.fleet.gate = new Promise((resolve) => (open = resolve));
    expect((await h.passWithoutPlacing("duel")).matches).toBe(3);
    // All three allocations were requested while none had answered yet.
    expect(h.fleet.requests).toHaveLength(3);
    expect(h.placement.inFlight).toBe(3);
    open();
    await h.placement.drain();
    expect(h.placement.inFlight).toBe(0);
  });

  it("matches by region name whatever order the store met the regions in", async () => {
    const h = applicationHarness([queueConfig()]);
    // The store meets us-east first; the queue configures eu-west first.
    const a = await h.matchmaker.enqueue(service, command("a", { latencyMs: { "us-east": 30 } }));
    const b = await h.matchmaker.enqueue(service, command("b"));
    const c = await h.matchmaker.enqueue(service, command("c"));
    expect(await h.pass("duel")).toMatchObject({ matches: 1, waiting: 1 });
    expect(h.fleet.requests.map((request) => request.region)).toEqual(["eu-west"]);
    const states = await Promise.all([a, b, c].map(async (ticket) => (await h.store.get(ticket.id))!.state));
    expect(states).toEqual(["queued", "matched", "matched"]);
  });

  it("runs a pass asked for while another is under way after it, so no pass reads numbers listed for the other", async () => {
    const h = applicationHarness([queueConfig()]);
    const x = await h.matchmaker.enqueue(service, command("x"));
    const a = await h.matchmaker.enqueue(service, command("a"));
    const b = await h.matchmaker.enqueue(service, command("b", { latencyMs: { "us-east": 30 } }));
    // The second pass is asked for before the first has matched, with x gone in between: run
    // alongside, its listing would replace the numbers the first one is about to match on.
    const first = h.passWithoutPlacing("duel");
    await h.store.cancel(x.id, h.clock.now());
    const second = h.passWithoutPlacing("duel");
    await Promise.all([first, second]);
    await h.placement.drain();
    // a can only play in eu-west and b only in us-east: never one match.
    const states = await Promise.all([a, b].map(async (ticket) => (await h.store.get(ticket.id))!.state));
    expect(states).toEqual(["queued", "queued"]);
    expect(h.fleet.requests).toEqual([]);
  });

  it("counts every match left once all of the pass's fleets are full as deferred in its region", async () => {
    const deferred: [string, number][] = [];
    const metrics = { ...noMetrics, matchesDeferred: (_queue: string, region: string, count: number) => void deferred.push([region, count]) };
    const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 1, metrics });
    // Eight duels in eu-west, then six in us-east: each region's fleet takes two (one slot, one in line).
    for (let index = 0; index < 16; index++) await h.matchmaker.enqueue(service, command(`eu-${index}`));
    for (let index = 0; index < 12; index++) await h.matchmaker.enqueue(service, command(`us-${index}`, { latencyMs: { "us-east": 30 } }));
    h.fleet.gate = new Promise(() => {});
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 4, deferred: 10, waiting: 20 });
    expect(new Map(deferred)).toEqual(new Map([["eu-west", 6], ["us-east", 4]]));
  });

  it("runs at most the configured allocations at once per fleet, claims only what it can run and line up, and leaves the rest queued", async () => {
    const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 1 });
    const tickets: TicketView[] = [];
    for (let index = 0; index < 10; index++) tickets.push(await h.matchmaker.enqueue(service, command(`player-${index}`)));
    let open!: () => void;
    h.fleet.gate = new Promise((resolve) => (open = resolve));
    // Five matches formed: one allocating, one in line, three left unclaimed.
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 2, deferred: 3, waiting: 6 });
    expect(h.fleet.requests).toHaveLength(1);
    expect(h.placement.reserve("duel", "eu-west", 1_000)).toBe(false);
    const states = async () => Promise.all(tickets.map(async (ticket) => (await h.store.get(ticket.id))!.state));
    expect((await states()).filter((state) => state === "queued")).toHaveLength(6);
    // A full placement claims nothing more.
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 0, deferred: 3 });
    // The fleet answers the first in 4 s and the second at once: 3.5 s on average, so the line
    // stays one match long (what one slot starts in 1.25 s: two 1-second ticks, at most half the
    // 2.5 s wait in line).
    h.clock.advance(4_000);
    open();
    await h.placement.drain();
    expect(h.fleet.requests).toHaveLength(2);
    h.fleet.gate = undefined;
    expect(await h.pass("duel")).toMatchObject({ matches: 2, deferred: 1 });
    expect(await h.pass("duel")).toMatchObject({ matches: 1, deferred: 0 });
    expect(new Set(await states())).toEqual(new Set(["matched"]));
  });

  it("lines up for a fleet what it is expected to start within two ticks: more once it answers fast", async () => {
    const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 2, allocationTimeoutMs: 8_000 });
    for (let index = 0; index < 30; index++) await h.matchmaker.enqueue(service, command(`player-${index}`));
    const gate = fleetGate(h);
    // Before the fleet has answered: two allocating, two in line.
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 4, deferred: 11 });
    // Every answer takes 500 ms: the two in line start when the first two answer.
    await gate.answerOpen(500, 4);
    await gate.answerOpen(500);
    await h.placement.drain();
    // Two slots x 2,000 ms (two ticks of 1 s, within half the 4 s wait in line) / 500 ms per
    // answer: a line of 8, room for 10.
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 10, deferred: 1 });
    expect(h.fleet.requests).toHaveLength(6);
    gate.answerAll(500);
    await h.placement.drain();
    expect(h.fleet.requests).toHaveLength(14);
  });

  it("lines up less for a fleet that answers slowly, within half the longest wait in line", async () => {
    const h = applicationHarness([queueConfig({ tickIntervalMs: 10_000 })], { maxConcurrentAllocations: 4, allocationTimeoutMs: 16_000 });
    for (let index = 0; index < 40; index++) await h.matchmaker.enqueue(service, command(`player-${index}`));
    const gate = fleetGate(h);
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 8, deferred: 12 });
    // The first four answer after 8 s each; the four in line then start and wait.
    await gate.answerOpen(8_000, 8);
    // The horizon is the shorter of two ticks (20 s) and half the longest wait in line (8 s / 2):
    // 4 slots x 4,000 ms / 8,000 ms per answer is a line of 2.
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 2, deferred: 10 });
    gate.answerAll(8_000);
    await h.placement.drain();
    expect(h.fleet.requests).toHaveLength(10);
  });

  it("takes a fleet that stops answering to be as slow as its silence", async () => {
    const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 2, allocationTimeoutMs: 8_000 });
    for (let index = 0; index < 40; index++) await h.matchmaker.enqueue(service, command(`player-${index}`));
    const gate = fleetGate(h);
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 4 });
    await gate.answerOpen(100, 4);
    // Answering in 100 ms: 2 slots + 2 x 2,000 / 100 in line, two of them held by the calls open.
    expect(roomLeft(h, "duel", 1_000)).toBe(40);
    // The two open calls go unanswered for 2 s: a line of 2 x 2,000 / 2,000.
    h.clock.advance(2_000);
    expect(roomLeft(h, "duel", 1_000)).toBe(2);
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 2, deferred: 14 });
    gate.answerAll(0);
    await h.placement.drain();
  });

  it("lines up at most 32 matches per slot, however fast the fleet answers", async () => {
    const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 2, allocationTimeoutMs: 8_000 });
    for (const userId of ["a", "b"]) await h.matchmaker.enqueue(service, command(userId));
    const gate = fleetGate(h);
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 1 });
    gate.answerAll(10);
    await h.placement.drain();
    // 2 slots x 2,000 ms / 10 ms would be a line of 400.
    expect(roomLeft(h, "duel", 1_000)).toBe(2 + 64);
  });

  it("sizes a fleet's line by the fastest-ticking queue that claims for it", async () => {
    const h = applicationHarness([queueConfig({ name: "slow", tickIntervalMs: 5_000 })], { maxConcurrentAllocations: 1, allocationTimeoutMs: 60_000 });
    for (const userId of ["a", "b"]) await h.matchmaker.enqueue(service, command(userId, { queue: "slow" }));
    const gate = fleetGate(h);
    expect(await h.passWithoutPlacing("slow")).toMatchObject({ matches: 1 });
    gate.answerAll(1_000);
    await h.placement.drain();
    // Answering in 1 s: a queue ticking every 5 s lines up 10; once one ticking every second has
    // asked for room with the same fleet, every queue lines up 2, until that one has not asked for
    // two of its ticks.
    expect(roomLeft(h, "slow", 5_000)).toBe(11);
    expect(roomLeft(h, "duel", 1_000)).toBe(3);
    expect(roomLeft(h, "slow", 5_000)).toBe(3);
    h.clock.advance(2_000);
    expect(roomLeft(h, "slow", 5_000)).toBe(3);
    h.clock.advance(1);
    expect(roomLeft(h, "slow", 5_000)).toBe(11);
  });

  it("gives the slot of a failed allocation back", async () => {
    const h = applicationHarness([queueConfig({ regions: [{ name: "eu-west", maxLatencyMs: 150 }] })], { maxConcurrentAllocations: 1 });
    for (const userId of ["a", "b"]) await h.matchmaker.enqueue(service, command(userId));
    h.fleet.failures.push(ScriptedFleet.noServer());
    expect(await h.pass("duel")).toMatchObject({ matches: 1 });
    // The region is paused for a while; after that, the one slot is free for the next allocation.
    h.clock.advance(60_000);
    expect(await h.pass("duel")).toMatchObject({ matches: 1 });
    expect(h.fleet.requests).toHaveLength(2);
    expect((await h.store.get("ticket-1"))!.state).toBe("matched");
  });

  it("refuses a concurrent-allocation limit below one when built, and places with an odd allocation timeout", async () => {
    expect(() => applicationHarness([queueConfig()], { maxConcurrentAllocations: 0 })).toThrow(RangeError);
    const h = applicationHarness([queueConfig()], { allocationTimeoutMs: 1_001 });
    await h.matchmaker.enqueue(service, command("a"));
    await h.matchmaker.enqueue(service, command("b"));
    expect((await h.pass("duel")).matches).toBe(1);
    expect(h.fleet.requests).toHaveLength(1);
  });

  it("keeps each fleet's allocations apart: a full fleet does not hold up another", async () => {
    const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 1 });
    const eu = { latencyMs: { "eu-west": 30 } };
    const us = { latencyMs: { "us-east": 30 } };
    for (let index = 0; index < 6; index++) await h.matchmaker.enqueue(service, command(`eu-${index}`, eu));
    for (let index = 0; index < 4; index++) await h.matchmaker.enqueue(service, command(`us-${index}`, us));
    let open!: () => void;
    h.fleet.gate = new Promise((resolve) => (open = resolve));
    // The scripted fleet has a fleet per region. eu-west: 3 duels, room for 2; us-east: 2 duels, room for both.
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 4, deferred: 1 });
    expect(h.fleet.requests.map((request) => request.region).sort()).toEqual(["eu-west", "us-east"]);
    open();
    await h.placement.drain();
    expect(h.fleet.requests).toHaveLength(4);
  });

  it("skips matching while every region's fleet is full, and matches again once placement catches up", async () => {
    const h = applicationHarness([queueConfig({ regions: [{ name: "eu-west", maxLatencyMs: 150 }] })], { maxConcurrentAllocations: 1 });
    for (let index = 0; index < 6; index++) await h.matchmaker.enqueue(service, command(`player-${index}`));
    let open!: () => void;
    h.fleet.gate = new Promise((resolve) => (open = resolve));
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ skipped: false, matches: 2, deferred: 1, waiting: 2 });
    // Nothing formed at all (not even left unclaimed): the pass did not match.
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ skipped: true, matches: 0, deferred: 0, waiting: 2 });
    open();
    await h.placement.drain();
    expect(await h.pass("duel")).toMatchObject({ skipped: false, matches: 1, deferred: 0, waiting: 0 });
    // A queue with nobody waiting is not a skipped pass, however full placement is.
    h.fleet.gate = new Promise(() => {});
    for (let index = 6; index < 10; index++) await h.matchmaker.enqueue(service, command(`player-${index}`));
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 2, waiting: 0 });
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ skipped: false, matches: 0, waiting: 0 });
  });

  it("shares one fleet's limit between the regions it serves", async () => {
    const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 1 });
    h.fleet.fleetFor = () => "one-fleet-everywhere";
    for (let index = 0; index < 4; index++) await h.matchmaker.enqueue(service, command(`eu-${index}`, { latencyMs: { "eu-west": 30 } }));
    for (let index = 0; index < 4; index++) await h.matchmaker.enqueue(service, command(`us-${index}`, { latencyMs: { "us-east": 30 } }));
    let open!: () => void;
    h.fleet.gate = new Promise((resolve) => (open = resolve));
    // Four duels, two per region, and room for two in all.
    expect(await h.passWithoutPlacing("duel")).toMatchObject({ matches: 2, deferred: 2 });
    expect(h.fleet.requests).toHaveLength(1);
    open();
    await h.placement.drain();
  });

  it("gives back the room of a match whose claim fails, or whose claim call throws", async () => {
    const h = applicationHarness([queueConfig()], { maxConcurrentAllocations: 1 });
    const claim = h.store.claim.bind(h.store);
    // Each match loses a ticket to a cancellation just before its claim.
    h.store.claim = async (queue, matches, now, fence) => {
      for (const match of matches) await h.store.cancel(match.ticketIds[0]!, now);
      return claim(queue, matches, now, fence);
    };
    // Twice the limit of each failure: a leak of either kind would leave no room for the last pass.
    for (let attempt = 0; attempt < 2; attempt++) {
      await h.matchmaker.enqueue(service, command(`first-${attempt}`));
      await h.matchmaker.enqueue(service, command(`second-${attempt}`));
      expect((await h.pass("duel")).matches).toBe(0);
    }
    h.store.claim = async () => {
      throw new Error("store unavailable");
    };
    for (let attempt = 0; attempt < 2; attempt++) await expect(h.pass("duel")).rejects.toThrow("store unavailable");
    h.store.claim = claim;
    expect((await h.pass("duel")).matches).toBe(1);
  });

  it("requeues a match still in line when its region is paused meanwhile, without asking the fleet", async () => {
    const { h, views, open } = await oneAllocatingOneInLine();
    // The first match's allocation fails and pauses eu-west; the second was waiting for its slot.
    h.fleet.failures.push(ScriptedFleet.noServer());
    open();
    await h.placement.drain();
    expect(h.fleet.requests).toHaveLength(1);
    expect(h.placement.pausedRegions("duel", h.clock.now())).toEqual(["eu-west"]);
    const states = await Promise.all(views.map(async (view) => (await h.store.get(view.id))!.state));
    expect(states).toEqual(["queued", "queued", "queued", "queued"]);
  });

  it("requeues matches still in line at once when placement closes, and finishes those under way", async () => {
    const { h, views, open } = await oneAllocatingOneInLine();
    const closed = h.placement.close();
    await vi.waitFor(async () => expect((await h.store.get(views[2]!.id))!.state).toBe("queued"));
    open();
    await closed;
    const states = await Promise.all(views.map(async (view) => (await h.store.get(view.id))!.state));
    expect(states).toEqual(["matched", "matched", "queued", "queued"]);
    expect(h.fleet.requests).toHaveLength(1);
  });

  it("requeues a match whose wait for an allocation slot outlasts half the allocation timeout, without pausing its region", async () => {
    const startedAt = performance.now();
    const { h, views, open } = await oneAllocatingOneInLine({ allocationTimeoutMs: 2_000 });
    // The second match never reached the fleet: its wait in line ran out at half the timeout, well
    // before the whole of it (the margin absorbs a loaded machine's delays).
    await vi.waitFor(async () => expect((await h.store.get(views[2]!.id))!.state).toBe("queued"), { timeout: 3_000, interval: 10 });
    const waitedMs = performance.now() - startedAt;
    expect(waitedMs).toBeGreaterThanOrEqual(990);
    expect(waitedMs).toBeLessThan(1_900);
    expect((await h.store.get(views[3]!.id))!.state).toBe("queued");
    expect(h.fleet.requests).toHaveLength(1);
    open();
    await h.placement.drain();
    expect((await h.store.get(views[0]!.id))!.state).toBe("matched");
    expect(h.placement.pausedRegions("duel", h.clock.now())).toEqual([]);
  });

  it("gives up on an allocation the fleet leaves unanswered once the allocation timeout is up, and requeues its match", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const h = applicationHarness([queueConfig()], { allocationTimeoutMs: 4_000 });
      const views: TicketView[] = [];
      for (const userId of ["a", "b"]) views.push(await h.matchmaker.enqueue(service, command(userId)));
      h.fleet.silent = true;
      expect((await h.passWithoutPlacing("duel")).matches).toBe(1);
      // With a slot free, the fleet was asked within the pass.
      expect(h.fleet.requests).toHaveLength(1);
      const deadline = h.fleet.signals[0];
      vi.advanceTimersByTime(3_999);
      expect(deadline!.aborted).toBe(false);
      vi.advanceTimersByTime(1);
      expect(deadline!.reason).toMatchObject({ name: "TimeoutError" });
      await h.placement.drain();
      const states = await Promise.all(views.map(async (view) => (await h.store.get(view.id))!.state));
      expect(states).toEqual(["queued", "queued"]);
      // A fleet that timed out is left alone for a while, as one that failed.
      expect(h.placement.pausedRegions("duel", h.clock.now())).toEqual(["eu-west"]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("leaves no deadline timer armed once its placements are over, however they ended", async () => {
    // AbortSignal.timeout's timers cannot be cleared: each would fire long after its placement,
    // building an error nobody reads.
    const timeouts = vi.spyOn(AbortSignal, "timeout");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { h, views, open } = await oneAllocatingOneInLine();
      // Both placement deadlines, and the wait in line of the second match.
      expect(vi.getTimerCount()).toBe(3);
      // The first allocation fails and pauses the region; the second match, given the slot, finds it paused.
      h.fleet.failures.push(ScriptedFleet.noServer());
      open();
      await h.placement.drain();
      expect(h.fleet.requests).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
      // Once the pause is over: both matches placed, then one whose assignment fails.
      h.clock.advance(FIRST_PAUSE_MS);
      expect((await h.pass("duel")).matches).toBe(2);
      expect(vi.getTimerCount()).toBe(0);
      const states = await Promise.all(views.map(async (view) => (await h.store.get(view.id))!.state));
      expect(states).toEqual(["matched", "matched", "matched", "matched"]);
      h.issuer.issue = async () => {
        throw new Error("signing key unavailable");
      };
      for (const userId of ["e", "f"]) await h.matchmaker.enqueue(service, command(userId));
      expect((await h.pass("duel")).matches).toBe(1);
      expect(h.fleet.released).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
      expect(timeouts).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
      timeouts.mockRestore();
    }
  });

  it("releases the server and requeues when anything fails after allocation", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    h.issuer.issue = async () => {
      throw new Error("signing key unavailable");
    };
    await h.pass("duel");
    expect(h.fleet.released).toHaveLength(1);
    expect(await h.matchmaker.getTicket(service, a.id)).toMatchObject({ state: "queued", createdAt: a.createdAt });
  });

  it("keeps the server of a committed match when telling watchers fails", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    h.events.failWhen = (tickets) => tickets.some((ticket) => ticket.state === "matched");
    await h.pass("duel");
    expect((await h.matchmaker.getTicket(service, a.id)).state).toBe("matched");
    expect(h.fleet.released).toHaveLength(0);
  });

  /** Makes `method` of the harness's store fail `times` times, running the real one first when `applied`: an answer lost after the change was made. */
  function failing<K extends "assign" | "requeue" | "get">(h: ReturnType<typeof applicationHarness>, method: K, times: number, applied: boolean): void {
    const real = h.store[method].bind(h.store) as (...args: unknown[]) => Promise<unknown>;
    let failures = 0;
    (h.store[method] as unknown) = async (...args: unknown[]) => {
      if (failures >= times) return real(...args);
      failures++;
      if (applied) await real(...args);
      throw new UnavailableError(`redis did not answer within 1000 ms (${method})`);
    };
  }

  /** A duel about to be matched, and the states published for its first ticket. */
  async function duelWatched() {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    const seen: string[] = [];
    h.events.subscribe(a.id, (ticket) => seen.push(ticket.state));
    return { h, a, seen };
  }

  it("keeps the server of an assignment whose answer was lost, learns the outcome once the store answers again, and tells the watchers", async () => {
    const { h, a, seen } = await duelWatched();
    failing(h, "assign", 1, true);
    // The reads of the outcome fail too, at first (the store still unreachable).
    failing(h, "get", 4, false);
    await h.pass("duel");
    expect((await h.store.get(a.id))?.state).toBe("matched");
    expect(h.fleet.released).toHaveLength(0);
    expect(seen.at(-1)).toBe("matched");
  });

  it("releases the server and requeues when an assignment did not land, once the store answers again", async () => {
    const { h, a } = await duelWatched();
    failing(h, "assign", 1, false);
    failing(h, "get", 2, false);
    await h.pass("duel");
    expect(h.fleet.released).toHaveLength(1);
    expect(await h.matchmaker.getTicket(service, a.id)).toMatchObject({ state: "queued", createdAt: a.createdAt });
  });

  it("tells watchers their tickets are queued again when the requeue's answer was lost", async () => {
    const { h, a, seen } = await duelWatched();
    h.fleet.failures.push(ScriptedFleet.noServer());
    failing(h, "requeue", 1, true);
    await h.pass("duel");
    expect((await h.store.get(a.id))?.state).toBe("queued");
    expect(seen).toEqual(["allocating", "queued"]);
  });

  it("returns the tickets to the queue at once when a requeue failed without landing, by asking again", async () => {
    const { h, a, seen } = await duelWatched();
    h.fleet.failures.push(ScriptedFleet.noServer());
    failing(h, "requeue", 3, false);
    await h.pass("duel");
    expect(await h.matchmaker.getTicket(service, a.id)).toMatchObject({ state: "queued", createdAt: a.createdAt });
    expect(seen).toEqual(["allocating", "queued"]);
  });

  it("keeps the server, and gives up asking, when the store never answers about an assignment", async () => {
    const { h, a } = await duelWatched();
    failing(h, "assign", 1, true);
    let reads = 0;
    const get = h.store.get.bind(h.store);
    h.store.get = async () => {
      reads++;
      throw new UnavailableError("redis did not answer within 1000 ms (get)");
    };
    // Resolves once placement has given up (40 tries: about a minute at the default pause).
    await h.pass("duel");
    expect(reads).toBe(40 * 2);
    expect(h.fleet.released).toHaveLength(0);
    h.store.get = get;
    expect((await h.store.get(a.id))?.state).toBe("matched");
  });

  it("does not ask again when reading an assignment's outcome fails for another reason than a missing answer", async () => {
    const { h } = await duelWatched();
    failing(h, "assign", 1, true);
    let reads = 0;
    h.store.get = async () => {
      reads++;
      throw new Error("a ticket document is not JSON");
    };
    await h.pass("duel");
    expect(reads).toBe(2);
    expect(h.fleet.released).toHaveLength(0);
  });

  it("keeps the server, and stops asking, when placement closes before the store answers about an assignment", async () => {
    const { h, a } = await duelWatched();
    failing(h, "assign", 1, true);
    failing(h, "get", Number.POSITIVE_INFINITY, false);
    await h.passWithoutPlacing("duel");
    await h.placement.close();
    expect(h.fleet.released).toHaveLength(0);
    h.store.get = InMemoryTicketStore.prototype.get.bind(h.store);
    expect((await h.store.get(a.id))?.state).toBe("matched");
  });

  it("places a claimed match even when telling watchers about the claim fails", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    h.events.failWhen = (tickets) => tickets.some((ticket) => ticket.state === "allocating");
    await h.pass("duel");
    expect((await h.matchmaker.getTicket(service, a.id)).state).toBe("matched");
  });

  it("claims the next chunk of matches while the previous chunk is being announced, and ends the pass once all are out", async () => {
    const h = applicationHarness([queueConfig()]);
    // 65 duels: more than one claim chunk.
    const tickets: TicketView[] = [];
    for (let index = 0; index < 130; index++) tickets.push(await h.matchmaker.enqueue(service, command(`player-${index}`)));
    let release!: () => void;
    const announcementsHeld = new Promise<void>((resolve) => (release = resolve));
    const announced: number[] = [];
    h.events.holdWhen = (tickets) => {
      if (!tickets.every((ticket) => ticket.state === "allocating")) return undefined;
      announced.push(tickets.length);
      return announcementsHeld;
    };
    let passEnded = false;
    const pass = h.passWithoutPlacing("duel").then((summary) => {
      passEnded = true;
      return summary;
    });
    await vi.waitFor(() => expect(announced).toEqual([128, 2]));
    // Both chunks were claimed while the first announcement was still held.
    expect(passEnded).toBe(false);
    release();
    expect((await pass).matches).toBe(65);
    await h.placement.drain();
    const states = await Promise.all(tickets.map(async (ticket) => (await h.store.get(ticket.id))?.state));
    expect(new Set(states)).toEqual(new Set(["matched"]));
  });

  it("requeues tickets whose placement outlived the stale-claim limit, and releases the late server", async () => {
    const h = applicationHarness([queueConfig()], { staleAllocationMs: 10_000 });
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    let open!: () => void;
    h.fleet.gate = new Promise((resolve) => (open = resolve));
    await h.passWithoutPlacing("duel");
    h.clock.advance(11_000);
    h.fleet.gate = undefined;
    // The next pass finds the claim orphaned, requeues it and matches the tickets again.
    expect((await h.passWithoutPlacing("duel")).reclaimed).toBe(2);
    open();
    await h.placement.drain();
    expect((await h.matchmaker.getTicket(service, a.id)).state).toBe("matched");
    expect(h.fleet.requests).toHaveLength(2);
    expect(h.fleet.released).toHaveLength(1);
  });

  it("drops a match whose ticket was cancelled before the claim, keeping the rest queued", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    const b = await h.matchmaker.enqueue(service, command("bob"));
    const claim = h.store.claim.bind(h.store);
    h.store.claim = async (...args) => {
      await h.store.cancel(a.id, h.clock.now());
      return claim(...args);
    };
    const summary = await h.pass("duel");
    expect(summary.matches).toBe(0);
    expect((await h.matchmaker.getTicket(service, a.id)).state).toBe("cancelled");
    expect((await h.matchmaker.getTicket(service, b.id)).state).toBe("queued");
  });

  it("reports queue position and an estimated wait from recent matches", async () => {
    const h = applicationHarness([queueConfig({ skillWindow: { initial: 10, perSecond: 0, max: 10 } })]);
    const first = await h.matchmaker.enqueue(service, command("a", { players: [{ userId: "a", skill: 100 }] }));
    h.clock.advance(10);
    const second = await h.matchmaker.enqueue(service, command("b", { players: [{ userId: "b", skill: 5000 }] }));
    await h.pass("duel");
    expect((await h.matchmaker.getTicket(service, second.id)).position).toBe(2);
    expect((await h.matchmaker.getTicket(service, first.id)).estimatedWaitMs).toBeUndefined();
    h.clock.advance(20_000);
    await h.matchmaker.enqueue(service, command("c", { players: [{ userId: "c", skill: 100 }] }));
    await h.pass("duel");
    // a waited 20 s for c; b (who waited the same) is now first with an estimate of 0 s left.
    const b = await h.matchmaker.getTicket(service, second.id);
    expect(b.position).toBe(1);
    expect(b.estimatedWaitMs).toBe(0);
  });

  it("sends a watcher its new position at most once per progress interval", async () => {
    const h = applicationHarness([queueConfig({ skillWindow: { initial: 10, perSecond: 0, max: 10 } })]);
    await h.matchmaker.enqueue(service, command("a", { players: [{ userId: "a", skill: 100 }] }));
    h.clock.advance(10);
    const watched = await h.matchmaker.enqueue(service, command("b", { players: [{ userId: "b", skill: 5000 }] }));
    await h.pass("duel");
    const views = h.matchmaker.watchTicket(service, watched.id, new AbortController().signal);
    expect((await views.next()).value).toMatchObject({ position: 2 });
    const next = views.next();
    let sent = false;
    void next.then(() => (sent = true));
    // a matches c: b moves up to 1, but its last update was just now.
    await h.matchmaker.enqueue(service, command("c", { players: [{ userId: "c", skill: 100 }] }));
    await h.pass("duel");
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toBe(false);
    h.clock.advance(PROGRESS_UPDATE_INTERVAL_MS);
    await h.pass("duel");
    expect((await next).value).toMatchObject({ state: "queued", position: 1 });
    await views.return();
  });
});

describe("watching when the queue progress answers later (a shared store)", () => {
  /** b waits behind a with a skill no one else has; the harness's progress answers through promises. */
  async function watchBehindA() {
    const progress = new DeferredProgress();
    const h = applicationHarness([queueConfig({ skillWindow: { initial: 10, perSecond: 0, max: 10 } })], { progress });
    await h.matchmaker.enqueue(service, command("a", { players: [{ userId: "a", skill: 100 }] }));
    h.clock.advance(10);
    const b = await h.matchmaker.enqueue(service, command("b", { players: [{ userId: "b", skill: 5000 }] }));
    await h.pass("duel");
    const views = h.matchmaker.watchTicket(service, b.id, new AbortController().signal);
    expect((await views.next()).value).toMatchObject({ state: "queued", position: 2 });
    return { h, progress, b, views };
  }

  it("sends a new position when it is due, and then the assignment", async () => {
    const { h, views } = await watchBehindA();
    await h.matchmaker.enqueue(service, command("c", { players: [{ userId: "c", skill: 100 }] }));
    await h.pass("duel");
    h.clock.advance(PROGRESS_UPDATE_INTERVAL_MS);
    await h.pass("duel");
    expect((await views.next()).value).toMatchObject({ state: "queued", position: 1 });
    await h.matchmaker.enqueue(service, command("d", { players: [{ userId: "d", skill: 5000 }] }));
    await h.pass("duel");
    expect((await views.next()).value).toMatchObject({ state: "matched", assignment: { serverAddress: "10.0.0.2:7777" } });
    expect(await views.next()).toEqual({ done: true, value: undefined });
  });

  it("sends nothing for a due update that changes nothing, and the next change that does", async () => {
    const { h, b, views } = await watchBehindA();
    const next = views.next();
    let sent = false;
    void next.then(() => (sent = true));
    h.clock.advance(PROGRESS_UPDATE_INTERVAL_MS);
    await h.pass("duel");
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toBe(false);
    await h.matchmaker.cancelTicket(service, b.id);
    expect((await next).value).toMatchObject({ state: "cancelled" });
  });

  it("ends the watch with the error when a progress read fails", async () => {
    const { h, progress, views } = await watchBehindA();
    const next = views.next();
    progress.readFailure = new Error("queue progress did not answer");
    h.clock.advance(PROGRESS_UPDATE_INTERVAL_MS);
    await h.pass("duel");
    await expect(next).rejects.toThrow("queue progress did not answer");
    expect(h.events.watchedTickets).toBe(0);
  });

  it("ends the watch with NOT_FOUND once the store no longer has the ticket (a Redis that lost its data)", async () => {
    const { h, b, views } = await watchBehindA();
    const next = views.next();
    h.events.reportGone(b.id);
    await expect(next).rejects.toThrow(NotFoundError);
    await expect(next).rejects.toThrow(/no longer exists: the matchmaker's store lost it; enqueue again/);
    expect(h.events.watchedTickets).toBe(0);
  });

  it("still sends the match that came before the store lost the ticket, then ends", async () => {
    const { h, b, views } = await watchBehindA();
    await h.matchmaker.enqueue(service, command("d", { players: [{ userId: "d", skill: 5000 }] }));
    await h.pass("duel");
    h.events.reportGone(b.id);
    expect((await views.next()).value).toMatchObject({ state: "matched" });
    expect(await views.next()).toEqual({ done: true, value: undefined });
  });

  it("skips an update the store could not answer (unreachable) and sends the next one", async () => {
    const { h, progress, views } = await watchBehindA();
    const next = views.next();
    await h.matchmaker.enqueue(service, command("c", { players: [{ userId: "c", skill: 100 }] }));
    await h.pass("duel");
    progress.readFailure = new UnavailableError("redis did not answer within 1000 ms (read queue position)");
    h.clock.advance(PROGRESS_UPDATE_INTERVAL_MS);
    await h.pass("duel");
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.events.watchedTickets).toBe(1);

    progress.readFailure = undefined;
    h.clock.advance(PROGRESS_UPDATE_INTERVAL_MS);
    await h.pass("duel");
    expect((await next).value).toMatchObject({ state: "queued", position: 1 });
  });
});

describe("cancel and expiry", () => {
  it("refuses to cancel a matched ticket and tells the caller the assignment", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.enqueue(service, command("bob"));
    await h.pass("duel");
    const error = await h.matchmaker.cancelTicket(player("alice"), a.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TicketStateError);
    expect((error as TicketStateError).ticket.assignment?.serverAddress).toBe("10.0.0.1:7777");
  });

  it("cancels a queued ticket, idempotently, and tells its watchers", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    const watching = collect(h.matchmaker.watchTicket(service, a.id, new AbortController().signal));
    await h.matchmaker.cancelTicket(service, a.id);
    await expect(h.matchmaker.cancelTicket(service, a.id)).resolves.toMatchObject({ state: "cancelled" });
    expect((await watching).map((view) => view.state)).toEqual(["queued", "cancelled"]);
  });

  it("expires tickets past their TTL and ends their watch", async () => {
    const h = applicationHarness([queueConfig({ ticketTtlMs: 30_000 })]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    const watching = collect(h.matchmaker.watchTicket(service, a.id, new AbortController().signal));
    h.clock.advance(29_999);
    await h.pass("duel");
    h.clock.advance(1);
    await h.pass("duel");
    expect((await watching).map((view) => view.state)).toEqual(["queued", "expired"]);
    await expect(h.matchmaker.cancelTicket(service, a.id)).rejects.toBeInstanceOf(TicketStateError);
  });

  it("announces what opening a pass changed even when the store then fails to list the queue", async () => {
    const h = applicationHarness([queueConfig({ ticketTtlMs: 30_000 })]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    const announced: string[] = [];
    h.events.subscribe(a.id, (ticket) => announced.push(ticket.state));
    // The store's changes are made, then its listing fails (as Redis's may after its script).
    const open = h.store.beginPass.bind(h.store);
    h.store.beginPass = async (...args) => {
      throw new PassListingError(await open(...args), new Error("redis did not answer"));
    };
    h.clock.advance(30_000);
    await expect(h.pass("duel")).rejects.toBeInstanceOf(PassListingError);
    expect(announced).toEqual(["expired"]);
  });

  it("forgets terminal tickets after the retention period", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    await h.matchmaker.cancelTicket(service, a.id);
    h.clock.advance(600_000);
    await h.pass("duel");
    await expect(h.matchmaker.getTicket(service, a.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("stops a watch that is waiting for changes when its signal aborts", async () => {
    const h = applicationHarness([queueConfig()]);
    const a = await h.matchmaker.enqueue(service, command("alice"));
    const controller = new AbortController();
    const views = h.matchmaker.watchTicket(service, a.id, controller.signal);
    expect((await views.next()).value).toMatchObject({ state: "queued" });
    const waiting = views.next();
    expect(h.events.watchedTickets).toBe(1);
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(h.events.watchedTickets).toBe(0);
  });

  it("names the ticket that holds a player to that player and to services", async () => {
    const h = applicationHarness([queueConfig({ teamSize: 2, maxPartySize: 2 })]);
    const bobs = await h.matchmaker.enqueue(player("bob"), command("bob"));
    const forParty = (await h.matchmaker.enqueue(service, command(["alice", "bob"])).catch((e: unknown) => e)) as Error;
    expect(forParty).toBeInstanceOf(PlayerAlreadyQueuedError);
    expect(forParty.message).toContain(bobs.id);
    const own = (await h.matchmaker.enqueue(player("bob"), command("bob")).catch((e: unknown) => e)) as Error;
    expect(own.message).toContain(bobs.id);
  });
});

async function collect(views: AsyncIterable<TicketView>): Promise<TicketView[]> {
  const seen: TicketView[] = [];
  for await (const view of views) seen.push(view);
  return seen;
}
