import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { MatchTicketService } from "../../src/gen/gameserver/v1/match_ticket_pb.js";
import { MatchmakingService, TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { bearerMetadata, grpcJsMatchmakingClient, unary, type GrpcJsMatchmakingClient } from "../support/grpc-js-client.ts";
import { startServerHarness, type ServerHarness } from "../support/server-harness.ts";
import { ScriptedFleet } from "../support/test-fleet.ts";

let harness: ServerHarness;
const fleet = new ScriptedFleet();

beforeAll(async () => {
  harness = await startServerHarness({ fleet });
});
afterAll(async () => {
  await harness.close();
});

type MatchmakingClient = Client<typeof MatchmakingService>;
type ClientFactory = (headers?: Record<string, string>) => MatchmakingClient;
const kinds: [string, () => ClientFactory][] = [
  ["gRPC", () => harness.grpcClient],
  ["Connect on HTTP/1.1", () => harness.connectClient],
  ["gRPC-Web on HTTP/1.1", () => harness.grpcWebClient],
];

const enqueueAs = (userIds: readonly string[], queue = "duel") => ({
  queue,
  players: userIds.map((userId) => ({ userId, skill: 1000 })),
  latencyMs: { "eu-west": 20 },
});

async function codeOf(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  if (error === undefined) throw new Error("expected the call to fail");
  return error;
}

describe.each(kinds)("over %s", (kind, factory) => {
  const tag = kind.replace(/\W+/g, "");

  it("serves ListQueues without a token", async () => {
    await expect(factory()().listQueues({})).resolves.toBeDefined();
  });

  it("rejects a missing, malformed, expired, foreign or unsigned token as UNAUTHENTICATED, without echoing it", async () => {
    const expired = await harness.token("service", "svc", { ttlSeconds: 60 });
    harness.clock.advance(61_000 + 30_000);
    const otherKey = await harness.token("service", "svc", { secret: "another-secret-another-secret-0123456789" });
    const otherIssuer = await harness.token("service", "svc", { issuer: "someone-else" });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(
      JSON.stringify({ sub: "svc", scope: "matchmaker:service", iss: "studio-idp", exp: 9_999_999_999 }),
    ).toString("base64url")}.`;
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /\(missing\)/],
      [{ authorization: "Basic dXNlcjpwYXNz" }, /\(malformed\)/],
      [{ authorization: `Bearer ${expired}` }, /\(expired\)/],
      [{ authorization: `Bearer ${otherKey}` }, /\(signature\)/],
      [{ authorization: `Bearer ${otherIssuer}` }, /\(issuer\)/],
      [{ authorization: `Bearer ${unsigned}` }, /\((algorithm|malformed)\)/],
    ];
    for (const [headers, message] of cases) {
      const error = await codeOf(factory()(headers).getTicket({ ticketId: "anything" }));
      expect(error.code, JSON.stringify(headers)).toBe(Code.Unauthenticated);
      expect(error.rawMessage).toMatch(message);
      const token = headers.authorization?.split(" ")[1];
      if (token !== undefined) expect(error.rawMessage).not.toContain(token);
    }
  });

  it("lets a player enqueue only themself, and see only their own tickets", async () => {
    const alice = factory()(await harness.bearer("player", `${tag}-alice`));
    const mallory = factory()(await harness.bearer("player", `${tag}-mallory`));
    const denied = await codeOf(mallory.enqueue(enqueueAs([`${tag}-alice`])));
    expect(denied.code).toBe(Code.PermissionDenied);

    const { ticket } = await alice.enqueue(enqueueAs([`${tag}-alice`]));
    await expect(alice.getTicket({ ticketId: ticket!.ticketId })).resolves.toBeDefined();
    const foreign = await codeOf(mallory.getTicket({ ticketId: ticket!.ticketId }));
    const missing = await codeOf(mallory.getTicket({ ticketId: "no-such-ticket" }));
    expect(foreign.code).toBe(Code.NotFound);
    expect(missing.code).toBe(Code.NotFound);
    // Same wording, so ids cannot be probed.
    expect(foreign.rawMessage.replace(ticket!.ticketId, "<id>")).toBe(missing.rawMessage.replace("no-such-ticket", "<id>"));
    expect((await codeOf(mallory.cancelTicket({ ticketId: ticket!.ticketId }))).code).toBe(Code.NotFound);
    const watch = mallory.watchTicket({ ticketId: ticket!.ticketId })[Symbol.asyncIterator]();
    expect((await codeOf(watch.next())).code).toBe(Code.NotFound);
    await alice.cancelTicket({ ticketId: ticket!.ticketId });
  });

  it("lets a service act on any ticket", async () => {
    const player = factory()(await harness.bearer("player", `${tag}-bob`));
    const service = factory()(await harness.bearer("service", "backend"));
    const { ticket } = await player.enqueue(enqueueAs([`${tag}-bob`]));
    const cancelled = await service.cancelTicket({ ticketId: ticket!.ticketId });
    expect(cancelled.ticket!.state).toBe(TicketState.CANCELLED);
  });

  it("holds a player who enqueues and cancels in a loop to 10 enqueues a minute, and no service", async () => {
    const looper = factory()(await harness.bearer("player", `${tag}-looper`));
    const backend = factory()(await harness.bearer("service", `${tag}-backend`));
    // Calls that create nothing do not count: replays of one request, and refusals of a second ticket.
    const first = await looper.enqueue({ ...enqueueAs([`${tag}-looper`]), requestId: `${tag}-first` });
    for (let i = 0; i < 12; i++) {
      const replay = await looper.enqueue({ ...enqueueAs([`${tag}-looper`]), requestId: `${tag}-first` });
      expect(replay.ticket!.ticketId).toBe(first.ticket!.ticketId);
      expect((await codeOf(looper.enqueue(enqueueAs([`${tag}-looper`])))).code).toBe(Code.AlreadyExists);
    }
    await looper.cancelTicket({ ticketId: first.ticket!.ticketId });
    for (let i = 0; i < 9; i++) {
      const { ticket } = await looper.enqueue(enqueueAs([`${tag}-looper`]));
      await looper.cancelTicket({ ticketId: ticket!.ticketId });
    }
    const limited = await codeOf(looper.enqueue(enqueueAs([`${tag}-looper`])));
    expect(limited.code).toBe(Code.ResourceExhausted);
    expect(limited.rawMessage).toMatch(new RegExp(`^player "${tag}-looper" may enqueue at most 10 times a minute; retry in \\d+ s$`));
    for (let i = 0; i < 12; i++) {
      const { ticket } = await backend.enqueue(enqueueAs([`${tag}-looper`]));
      await backend.cancelTicket({ ticketId: ticket!.ticketId });
    }
    harness.clock.advance(6_000);
    const { ticket } = await looper.enqueue(enqueueAs([`${tag}-looper`]));
    await looper.cancelTicket({ ticketId: ticket!.ticketId });
  });

  it("refuses game-server credentials on player and service RPCs", async () => {
    const server = factory()(await harness.bearer("gameserver", "gs-1"));
    expect((await codeOf(server.enqueue(enqueueAs(["gs-1"])))).code).toBe(Code.PermissionDenied);
  });
});

describe("over @grpc/grpc-js", () => {
  let client: GrpcJsMatchmakingClient;
  beforeAll(() => {
    client = grpcJsMatchmakingClient(harness.app.servers.grpcPort);
  });
  afterAll(() => client.close());

  it("accepts a player's token and rejects a bad one", async () => {
    const token = await harness.token("player", "grpcjs-carol");
    const response = await unary(client, client.Enqueue, enqueueAs(["grpcjs-carol"]), bearerMetadata(token));
    expect(response.ticket.state).toBe("TICKET_STATE_QUEUED");
    const error = (await unary(client, client.GetTicket, { ticketId: response.ticket.ticketId }, bearerMetadata(`${token}x`)).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.details).toMatch(/^token rejected \(signature\)/);
  });
});

describe("match tickets end to end", () => {
  it("admit each player once, only on the allocated server", async () => {
    const service = harness.grpcClient(await harness.bearer("service", "backend"));
    const a = await service.enqueue({ ...enqueueAs(["mt-alice"]), latencyMs: { "us-east": 10 } });
    await service.enqueue({ ...enqueueAs(["mt-bob"]), latencyMs: { "us-east": 10 } });
    const allocated = fleet.requests.length;
    await harness.app.runPass();
    expect(fleet.requests.length).toBe(allocated + 1);
    const { ticket } = await harness.grpcClient(await harness.bearer("player", "mt-alice")).getTicket({ ticketId: a.ticket!.ticketId });
    const matchTicket = ticket!.assignment!.matchTicket;
    // The scripted fleet names its servers gs-internal-<region>-<n>.
    const serverId = `gs-internal-us-east-${allocated + 1}`;
    const redeemAs = async (id: string) =>
      createClient(
        MatchTicketService,
        createGrpcTransport({
          baseUrl: `http://127.0.0.1:${harness.app.servers.grpcPort}`,
          interceptors: [
            (next) => async (request) => {
              request.header.set("authorization", `Bearer ${await harness.token("gameserver", id)}`);
              return next(request);
            },
          ],
        }),
      );
    expect((await codeOf((await redeemAs("gs-other")).redeemMatchTicket({ matchTicket }))).code).toBe(Code.PermissionDenied);
    const redeemed = await (await redeemAs(serverId)).redeemMatchTicket({ matchTicket });
    expect(redeemed).toMatchObject({ userId: "mt-alice", matchId: ticket!.assignment!.matchId });
    expect((await codeOf((await redeemAs(serverId)).redeemMatchTicket({ matchTicket }))).code).toBe(Code.FailedPrecondition);
    // A player's token cannot redeem.
    const asPlayer = createClient(MatchTicketService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${harness.app.servers.grpcPort}` }));
    expect(
      (await codeOf(asPlayer.redeemMatchTicket({ matchTicket }, { headers: await harness.bearer("player", "mt-alice") }))).code,
    ).toBe(Code.PermissionDenied);
  });
});
