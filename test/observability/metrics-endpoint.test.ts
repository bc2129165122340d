import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Code } from "@connectrpc/connect";
import { TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { scrape, type MetricSamples } from "../support/prometheus-text.ts";
import { startServerHarness, type ServerHarness } from "../support/server-harness.ts";
import { ScriptedFleet } from "../support/test-fleet.ts";

let SERVICE: Record<string, string>;
const MATCHMAKING = "matchmaking.v1.MatchmakingService";

let harness: ServerHarness;
let fleet: ScriptedFleet;
beforeAll(async () => {
  fleet = new ScriptedFleet();
  harness = await startServerHarness({ fleet });
  SERVICE = await harness.bearer("service", "game-backend");
});
afterAll(async () => {
  await harness.close();
});

const metrics = (): Promise<MetricSamples> => scrape(`${harness.httpUrl}/metrics`);
const unary = (method: string, code: string) => ({ grpc_type: "unary", grpc_service: MATCHMAKING, grpc_method: method, grpc_code: code });

/**
 * One story of real traffic through a real client, scraped after each chapter: every series it
 * must move, by exactly how much.
 */
describe("GET /metrics after real traffic", () => {
  it("starts every queue's and region's series at zero, with the process's own metrics", async () => {
    const samples = await metrics();
    expect(samples.get("matchmaker_tickets_waiting", { queue: "ffa-8", region: "us-east" })).toBe(0);
    expect(samples.get("matchmaker_allocation_attempts_total", { queue: "duel", region: "eu-west", outcome: "failure" })).toBe(0);
    expect(samples.get("matchmaker_ticket_wait_seconds_count", { queue: "squads-5v5", region: "ap-southeast" })).toBe(0);
    expect(samples.get("matchmaker_tickets_requeued_total", { queue: "duel", reason: "allocation_not_started" })).toBe(0);
    expect(samples.get("matchmaker_matches_deferred_total", { queue: "ffa-8", region: "us-east" })).toBe(0);
    expect(samples.get("matchmaker_matching_skipped_total", { queue: "squads-5v5" })).toBe(0);
    expect(samples.get("matchmaker_watch_streams_active")).toBe(0);
    expect(samples.has("process_cpu_user_seconds_total")).toBe(true);
    expect(samples.has("nodejs_heap_size_used_bytes")).toBe(true);
  });

  it("counts enqueues, cancellations, RPC codes, matches and ticket waits", async () => {
    const client = harness.grpcClient(SERVICE);
    const duel = (userId: string, skill: number, latencyMs: Record<string, number>) =>
      client.enqueue({ queue: "duel", players: [{ userId, skill }], latencyMs });
    await duel("a", 1000, { "eu-west": 20 });
    harness.clock.advanceSeconds(2);
    await duel("b", 1000, { "eu-west": 25 });
    harness.clock.advanceSeconds(1);
    const { ticket: cancelled } = await duel("c", 3000, { "us-east": 30 });
    await client.cancelTicket({ ticketId: cancelled!.ticketId });
    await client.cancelTicket({ ticketId: cancelled!.ticketId }); // a repeat is not a second cancellation
    await expect(client.enqueue({ queue: "nope", players: [{ userId: "x", skill: 1 }], latencyMs: { "eu-west": 1 } })).rejects.toMatchObject({
      code: Code.NotFound,
    });
    await expect(harness.grpcClient().getTicket({ ticketId: "t" })).rejects.toMatchObject({ code: Code.Unauthenticated });
    await harness.app.runPass();

    const samples = await metrics();
    expect(samples.get("matchmaker_tickets_enqueued_total", { queue: "duel" })).toBe(3);
    expect(samples.get("matchmaker_tickets_cancelled_total", { queue: "duel" })).toBe(1);
    expect(samples.get("matchmaker_matches_formed_total", { queue: "duel", region: "eu-west" })).toBe(1);
    expect(samples.get("matchmaker_allocation_attempts_total", { queue: "duel", region: "eu-west", outcome: "success" })).toBe(1);
    // a waited 3 s, b 1 s.
    const wait = { queue: "duel", region: "eu-west" };
    expect(samples.get("matchmaker_ticket_wait_seconds_count", wait)).toBe(2);
    expect(samples.get("matchmaker_ticket_wait_seconds_sum", wait)).toBe(4);
    expect(samples.get("matchmaker_ticket_wait_seconds_bucket", { ...wait, le: "0.5" })).toBe(0);
    expect(samples.get("matchmaker_ticket_wait_seconds_bucket", { ...wait, le: "1" })).toBe(1);
    expect(samples.get("matchmaker_ticket_wait_seconds_bucket", { ...wait, le: "5" })).toBe(2);
    expect(samples.get("matchmaker_matching_pass_duration_seconds_count", { queue: "duel" })).toBe(1);
    expect(samples.get("matchmaker_matching_pass_duration_seconds_count", { queue: "ffa-8" })).toBe(1);

    expect(samples.get("grpc_server_handled_total", unary("Enqueue", "OK"))).toBe(3);
    expect(samples.get("grpc_server_handled_total", unary("Enqueue", "NotFound"))).toBe(1);
    expect(samples.get("grpc_server_handled_total", unary("CancelTicket", "OK"))).toBe(2);
    expect(samples.get("grpc_server_handled_total", unary("GetTicket", "Unauthenticated"))).toBe(1);
    const enqueue = { grpc_type: "unary", grpc_service: MATCHMAKING, grpc_method: "Enqueue" };
    expect(samples.get("grpc_server_started_total", enqueue)).toBe(4);
    expect(samples.get("grpc_server_handling_seconds_count", enqueue)).toBe(4);
  });

  it("counts failed allocations and the tickets they return to the queue", async () => {
    const client = harness.grpcClient(SERVICE);
    fleet.failures.push(ScriptedFleet.noServer());
    await client.enqueue({ queue: "duel", players: [{ userId: "f", skill: 2000 }], latencyMs: { "eu-west": 20 } });
    await client.enqueue({ queue: "duel", players: [{ userId: "g", skill: 2000 }], latencyMs: { "eu-west": 20 } });
    await harness.app.runPass();
    let samples = await metrics();
    const attempts = (outcome: string) =>
      samples.get("matchmaker_allocation_attempts_total", { queue: "duel", region: "eu-west", outcome });
    expect(attempts("failure")).toBe(1);
    expect(samples.get("matchmaker_tickets_requeued_total", { queue: "duel", reason: "allocation_failed" })).toBe(2);
    expect(samples.get("matchmaker_region_paused_seconds_total", { queue: "duel", region: "eu-west" })).toBe(1);
    expect(samples.get("matchmaker_region_paused_seconds_total", { queue: "duel", region: "us-east" })).toBe(0);
    expect(samples.get("matchmaker_tickets_waiting", { queue: "duel", region: "eu-west" })).toBe(0);

    const waitedUpTo = (le: string) => samples.get("matchmaker_ticket_wait_seconds_bucket", { queue: "duel", region: "eu-west", le }) ?? 0;
    const [halfSecond, oneSecond] = [waitedUpTo("0.5"), waitedUpTo("1")];
    // Past the region's pause after a failed allocation (application/allocation-backoff.ts).
    harness.clock.advanceSeconds(1);
    await harness.app.runPass();
    samples = await metrics();
    expect(attempts("success")).toBe(2);
    expect(attempts("failure")).toBe(1);
    expect(attempts("timeout")).toBe(0);
    expect(samples.get("matchmaker_matches_formed_total", { queue: "duel", region: "eu-west" })).toBe(2);
    // Both waited the pause out: one second.
    expect(waitedUpTo("0.5") - halfSecond).toBe(0);
    expect(waitedUpTo("1") - oneSecond).toBe(2);
  });

  it("shows waiting tickets in their lowest-latency region, open watch streams, and expiries", async () => {
    const client = harness.grpcClient(SERVICE);
    await client.enqueue({ queue: "duel", players: [{ userId: "d", skill: 50 }], latencyMs: { "us-east": 30 } });
    const { ticket } = await client.enqueue({
      queue: "ffa-8",
      players: [{ userId: "e", skill: 50 }],
      latencyMs: { "us-east": 30, "eu-west": 80 },
    });
    const watch = client.watchTicket({ ticketId: ticket!.ticketId })[Symbol.asyncIterator]();
    await watch.next();
    await harness.app.runPass();
    let samples = await metrics();
    expect(samples.get("matchmaker_tickets_waiting", { queue: "duel", region: "us-east" })).toBe(1);
    expect(samples.get("matchmaker_tickets_waiting", { queue: "ffa-8", region: "us-east" })).toBe(1);
    expect(samples.get("matchmaker_tickets_waiting", { queue: "ffa-8", region: "eu-west" })).toBe(0);
    expect(samples.get("matchmaker_watch_streams_active")).toBe(1);
    const watchLabels = { grpc_type: "server_stream", grpc_service: MATCHMAKING, grpc_method: "WatchTicket" };
    expect(samples.get("grpc_server_started_total", watchLabels)).toBe(1);

    harness.clock.advanceSeconds(301); // past both queues' 300 s time-to-live
    await harness.app.runPass();
    let last = ticket!;
    for (let next = await watch.next(); next.done !== true; next = await watch.next()) last = next.value.ticket!;
    expect(last.state).toBe(TicketState.EXPIRED);
    samples = await metrics();
    expect(samples.get("matchmaker_tickets_expired_total", { queue: "duel" })).toBe(1);
    expect(samples.get("matchmaker_tickets_expired_total", { queue: "ffa-8" })).toBe(1);
    expect(samples.get("matchmaker_tickets_waiting", { queue: "duel", region: "us-east" })).toBe(0);
    expect(samples.get("matchmaker_tickets_waiting", { queue: "ffa-8", region: "us-east" })).toBe(0);
    expect(samples.get("matchmaker_watch_streams_active")).toBe(0);
    expect(samples.get("grpc_server_handled_total", { ...watchLabels, grpc_code: "OK" })).toBe(1);
    expect(samples.get("grpc_server_handling_seconds_count", watchLabels)).toBeUndefined();
  });

  it("keeps labels bounded: no ticket or user id appears in any series", async () => {
    const text = await (await fetch(`${harness.httpUrl}/metrics`)).text();
    for (const id of ["ticket-1", "\"a\"", "\"e\"", "match-1"]) expect(text).not.toContain(id);
  });
});

describe("GET /metrics when placement is full", () => {
  it("shows each fleet's matches held and how long it is expected to take to answer", async () => {
    const fleet = new ScriptedFleet();
    const held = await startServerHarness({ fleet, maxConcurrentAllocations: 1 });
    try {
      const client = held.grpcClient(await held.bearer("service", "game-backend"));
      for (const userId of ["p1", "p2", "p3", "p4"]) {
        await client.enqueue({ queue: "duel", players: [{ userId, skill: 1500 }], latencyMs: { "eu-west": 20 } });
      }
      let open!: () => void;
      fleet.gate = new Promise((resolve) => (open = resolve));
      // The pass ends once its placements have: after the fleet answers.
      const passing = held.app.runPass();
      // Two duels: one allocating, one in line; no answer yet, so no expected answer time.
      let samples!: MetricSamples;
      await vi.waitFor(async () => {
        samples = await scrape(`${held.httpUrl}/metrics`);
        expect(samples.get("matchmaker_fleet_matches_held", { fleet: "scripted-eu-west" })).toBe(2);
      });
      expect(samples.has("matchmaker_fleet_answer_seconds")).toBe(false);
      // The first answers after 1.5 s, the second at once: 1.5 - 1.5 / 8 s expected.
      held.clock.advanceSeconds(1.5);
      open();
      await passing;
      samples = await scrape(`${held.httpUrl}/metrics`);
      expect(samples.get("matchmaker_fleet_matches_held", { fleet: "scripted-eu-west" })).toBe(0);
      expect(samples.get("matchmaker_fleet_answer_seconds", { fleet: "scripted-eu-west" })).toBe(1.3125);
    } finally {
      await held.close();
    }
  });

  it("counts the matches a pass left unclaimed", async () => {
    const full = await startServerHarness({ maxConcurrentAllocations: 1 });
    try {
      const client = full.grpcClient(await full.bearer("service", "game-backend"));
      const before = await scrape(`${full.httpUrl}/metrics`);
      expect(before.get("matchmaker_matches_deferred_total", { queue: "duel", region: "eu-west" })).toBe(0);
      for (const userId of ["p1", "p2", "p3", "p4", "p5", "p6"]) {
        await client.enqueue({ queue: "duel", players: [{ userId, skill: 1500 }], latencyMs: { "eu-west": 20 } });
      }
      // Three duels: one allocating and one in line fill placement; the third is left for the next pass.
      await full.app.runPass();
      let samples = await scrape(`${full.httpUrl}/metrics`);
      expect(samples.get("matchmaker_matches_deferred_total", { queue: "duel", region: "eu-west" })).toBe(1);
      expect(samples.get("matchmaker_matches_formed_total", { queue: "duel", region: "eu-west" })).toBe(2);
      await full.app.runPass();
      samples = await scrape(`${full.httpUrl}/metrics`);
      expect(samples.get("matchmaker_matches_deferred_total", { queue: "duel", region: "eu-west" })).toBe(1);
      expect(samples.get("matchmaker_matches_formed_total", { queue: "duel", region: "eu-west" })).toBe(3);
    } finally {
      await full.close();
    }
  });
});
