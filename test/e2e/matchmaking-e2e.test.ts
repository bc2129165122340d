import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { toJson } from "@bufbuild/protobuf";
import { MatchmakingService, TicketSchema, TicketState, type Ticket } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { startServerHarness, type ServerHarness } from "../support/server-harness.ts";

let harness: ServerHarness;
let SERVICE: Record<string, string>;
beforeAll(async () => {
  harness = await startServerHarness();
  SERVICE = await harness.bearer("service", "game-backend");
});
afterAll(async () => {
  await harness.close();
});

type MatchmakingClient = Client<typeof MatchmakingService>;

const clients: [string, () => MatchmakingClient][] = [
  ["connect-es over gRPC (HTTP/2)", () => harness.grpcClient(SERVICE)],
  ["connect-es over the Connect protocol (HTTP/1.1)", () => harness.connectClient(SERVICE)],
  ["connect-es over gRPC-Web (HTTP/1.1)", () => harness.grpcWebClient(SERVICE)],
];

describe.each(clients)("%s", (label, makeClient) => {
  it("lists the configured queues", async () => {
    const { queues } = await makeClient().listQueues({});
    const duel = queues.find((queue) => queue.name === "duel");
    expect(duel).toMatchObject({ teamCount: 2, teamSize: 1, minPartySize: 1, maxPartySize: 1 });
    expect(duel!.regions.map((region) => region.name)).toContain("eu-west");
  });

  it("fills a 5v5 match of parties and pushes the assignment to every watcher", async () => {
    const client = makeClient();
    const tag = label.replace(/\W+/g, "-");
    const parties = [3, 2, 1, 1, 1, 2]; // 10 players
    const tickets: Ticket[] = [];
    for (const [index, size] of parties.entries()) {
      const { ticket } = await client.enqueue({
        queue: "squads-5v5",
        players: Array.from({ length: size }, (_, k) => ({ userId: `${tag}-p${index}-${k}`, skill: 1500 + index })),
        latencyMs: { "eu-west": 25 },
        requestId: `${tag}-${index}`,
      });
      expect(ticket!.state).toBe(TicketState.QUEUED);
      tickets.push(ticket!);
    }
    // Two watchers per ticket; each waits for its first (current-state) message before matching runs.
    const streams = tickets.flatMap((ticket) => [watch(client, ticket.ticketId), watch(client, ticket.ticketId)]);
    await Promise.all(streams.map((stream) => stream.first));
    await harness.app.runPass();
    const finals = await Promise.all(streams.map((stream) => stream.done));
    const matchIds = new Set(finals.map((ticket) => ticket.assignment!.matchId));
    expect(matchIds.size).toBe(1);
    for (const ticket of finals) {
      expect(ticket.state).toBe(TicketState.MATCHED);
      expect(ticket.assignment!.serverAddress).toMatch(/^[\d.]+:\d+$/);
      expect(ticket.assignment!.matchTicket.split(".")).toHaveLength(3);
      expect(ticket.assignment!.teams.map((team) => team.userIds.length)).toEqual([5, 5]);
    }
    // Nothing player-facing names the fleet's internals, not even inside the match ticket's claims.
    for (const ticket of finals) {
      const claims = Buffer.from(ticket.assignment!.matchTicket.split(".")[1]!, "base64url").toString();
      const visible = JSON.stringify(toJson(TicketSchema, ticket)) + claims;
      for (const secret of ["gs-internal", "node-secret", "cluster-secret", "scripted"]) expect(visible).not.toContain(secret);
    }
    // A party stays on one team.
    const trio = finals.find((ticket) => ticket.userIds.length === 3)!;
    const team = trio.assignment!.teams.find((t) => t.userIds.includes(trio.userIds[0]!))!;
    expect(trio.userIds.every((id) => team.userIds.includes(id))).toBe(true);
  });

  it("cancels a queued ticket and refuses to cancel a matched one, returning its assignment", async () => {
    const client = makeClient();
    const tag = label.replace(/\W+/g, "-");
    const { ticket } = await client.enqueue({ queue: "duel", players: [{ userId: `${tag}-c1`, skill: 10 }], latencyMs: { "us-east": 20 } });
    const cancelled = await client.cancelTicket({ ticketId: ticket!.ticketId });
    expect(cancelled.ticket!.state).toBe(TicketState.CANCELLED);

    const a = await client.enqueue({ queue: "duel", players: [{ userId: `${tag}-m1`, skill: 20 }], latencyMs: { "us-east": 20 } });
    await client.enqueue({ queue: "duel", players: [{ userId: `${tag}-m2`, skill: 20 }], latencyMs: { "us-east": 20 } });
    await harness.app.runPass();
    const error = await client.cancelTicket({ ticketId: a.ticket!.ticketId }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
  });
});

describe("invalid requests", () => {
  const base = { queue: "duel", players: [{ userId: "v1", skill: 1000 }], latencyMs: { "eu-west": 10 } };
  const cases: [string, Record<string, unknown>, Code, RegExp][] = [
    ["empty queue name", { ...base, queue: "" }, Code.InvalidArgument, /^\[invalid_argument\] queue: /],
    ["unknown queue", { ...base, queue: "nope" }, Code.NotFound, /queue "nope"/],
    ["no players", { ...base, players: [] }, Code.InvalidArgument, /players: /],
    ["too many players for a team", { ...base, players: [{ userId: "a", skill: 1 }, { userId: "b", skill: 1 }] }, Code.InvalidArgument, /players: a party of 2/],
    ["duplicate user ids", { ...base, queue: "squads-5v5", players: [{ userId: "d", skill: 1 }, { userId: "d", skill: 1 }] }, Code.InvalidArgument, /players\[1\]\.user_id: duplicates/],
    ["NaN skill", { ...base, players: [{ userId: "n", skill: Number.NaN }] }, Code.InvalidArgument, /players\[0\]\.skill: must be a finite number/],
    ["negative skill", { ...base, players: [{ userId: "n", skill: -5 }] }, Code.InvalidArgument, /players\[0\]\.skill/],
    ["unknown region", { ...base, latencyMs: { mars: 10 } }, Code.InvalidArgument, /latency_ms\["mars"\]: unknown region/],
    ["no region", { ...base, latencyMs: {} }, Code.InvalidArgument, /latency_ms: /],
    ["oversize user id", { ...base, players: [{ userId: "x".repeat(129), skill: 1 }] }, Code.InvalidArgument, /players\[0\]\.user_id: must be at most 128/],
    ["oversize request id", { ...base, requestId: "r".repeat(1000) }, Code.InvalidArgument, /request_id: must be at most 128/],
  ];

  it.each(cases)("%s", async (_name, request, code, message) => {
    const client = harness.grpcClient(SERVICE);
    const error = await client.enqueue(request).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(code);
    expect((error as ConnectError).message).toMatch(message);
    // The server keeps serving.
    await expect(client.listQueues({})).resolves.toBeDefined();
  });

  it("reports unknown and empty ticket ids", async () => {
    const client = harness.connectClient(SERVICE);
    await expect(client.getTicket({ ticketId: "missing" })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(client.getTicket({ ticketId: "" })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: "ticket_id: is required" });
    await expect(client.watchTicket({ ticketId: "missing" })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("survives a request target that is not a valid URL on the HTTP port", async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(harness.app.servers.httpPort, "127.0.0.1", () => socket.end("GET //[ HTTP/1.1\r\nHost: a\r\n\r\n"));
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 [45]\d\d /);
    await expect(harness.connectClient(SERVICE).listQueues({})).resolves.toBeDefined();
  });

  it("rejects an oversize request body", async () => {
    const client = harness.grpcClient(SERVICE);
    const huge = { ...base, partyId: "p", players: Array.from({ length: 3000 }, (_, i) => ({ userId: `u${i}-${"x".repeat(30)}`, skill: 1 })) };
    await expect(client.enqueue(huge)).rejects.toMatchObject({ code: Code.ResourceExhausted });
    await expect(client.listQueues({})).resolves.toBeDefined();
  });
});

interface Watch {
  /** The stream's first message (the current state). */
  readonly first: Promise<Ticket>;
  /** The last message before the stream ended. */
  readonly done: Promise<Ticket>;
}

function watch(client: MatchmakingClient, ticketId: string): Watch {
  const iterator = client.watchTicket({ ticketId })[Symbol.asyncIterator]();
  const first = iterator.next().then((result) => result.value!.ticket!);
  const done = first.then(async (initial) => {
    let last = initial;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) last = next.value.ticket!;
    return last;
  });
  return { first, done };
}
