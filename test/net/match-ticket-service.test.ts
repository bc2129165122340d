import pino from "pino";
import { UnavailableError } from "../../src/application/errors.ts";
import { once } from "node:events";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRedeemMatchTicket } from "../../src/application/redeem-match-ticket.ts";
import { JwtMatchTicketIssuer } from "../../src/clients/match-tickets/jwt-match-ticket-issuer.ts";
import { MatchTicketService } from "../../src/gen/gameserver/v1/match_ticket_pb.js";
import {
  type AuthenticateGameServer,
  createMatchTicketServiceImpl,
  registerMatchTicketService,
} from "../../src/net/match-ticket-service.ts";
import { InMemoryRedemptionLedger } from "../../src/storage/memory/in-memory-redemption-ledger.ts";
import {
  ALICE_ON_GS1,
  createMatchTicketFixture,
  ManualClock,
  type MatchTicketFixture,
  TEST_ISSUER,
} from "../clients/match-tickets/match-ticket-fixture.ts";

/** Our injected authenticator, reduced to a table of game-server credentials. */
const authenticateGameServer: AuthenticateGameServer = async (authorizationHeader) => {
  switch (authorizationHeader) {
    case "Bearer gs-1-credential":
      return { serverId: "gs-1" };
    case "Bearer gs-2-credential":
      return { serverId: "gs-2" };
    case "Bearer keys-unreachable":
      throw new ConnectError("cannot fetch verification keys", Code.Unavailable);
    default:
      throw new Error("not a game-server credential");
  }
};

const asGs1 = { headers: { authorization: "Bearer gs-1-credential" } };
const asGs2 = { headers: { authorization: "Bearer gs-2-credential" } };

let fixture: MatchTicketFixture;
let server: http2.Http2Server;
let sessions: Http2SessionManager;
let client: Client<typeof MatchTicketService>;
let ledgerDown = false;
/** The ledger records the redemption, then its answer is lost (a Redis reply past the deadline). */
let ledgerAnswersLost = false;

beforeAll(async () => {
  fixture = await createMatchTicketFixture();
  const inMemory = new InMemoryRedemptionLedger(fixture.clock);
  const ledger = {
    consume: async (ticketId: string, rememberUntil: number, redemptionId: string) => {
      if (ledgerDown) throw new UnavailableError("redis did not answer (record redemption)");
      const admitted = await inMemory.consume(ticketId, rememberUntil, redemptionId);
      if (ledgerAnswersLost) throw new UnavailableError("redis did not answer within 1000 ms (record redemption)");
      return admitted;
    },
  };
  const impl = createMatchTicketServiceImpl({
    redeem: createRedeemMatchTicket({ verifier: fixture.verifier, ledger }),
    authenticateGameServer,
    logger: pino({ level: "silent" }),
  });
  server = http2.createServer(connectNodeAdapter({ routes: (router) => registerMatchTicketService(router, impl) }));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sessions = new Http2SessionManager(baseUrl);
  client = createClient(MatchTicketService, createGrpcTransport({ baseUrl, sessionManager: sessions }));
});

afterAll(async () => {
  sessions.abort();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

let ticket: { token: string; expiresAt: number };

beforeEach(async () => {
  ticket = await fixture.issuer.issue(ALICE_ON_GS1);
});

async function expectStatus(call: Promise<unknown>, code: Code, message: RegExp): Promise<void> {
  const error = ConnectError.from(
    await call.then(
      () => new Error("expected the call to fail"),
      (caught: unknown) => caught,
    ),
  );
  expect(Code[error.code]).toBe(Code[code]);
  expect(error.rawMessage).toMatch(message);
  expect(error.rawMessage).not.toContain(ticket.token);
}

describe("MatchTicketService.RedeemMatchTicket over gRPC", () => {
  it("returns the player, match and expiry of a valid ticket", async () => {
    const response = await client.redeemMatchTicket({ matchTicket: ticket.token }, asGs1);

    expect(response.userId).toBe("alice");
    expect(response.matchId).toBe("m-1");
    expect(response.expiresAt && timestampMs(response.expiresAt)).toBe(ticket.expiresAt);
  });

  it("fails a replayed ticket with FAILED_PRECONDITION", async () => {
    await client.redeemMatchTicket({ matchTicket: ticket.token }, asGs1);

    await expectStatus(
      client.redeemMatchTicket({ matchTicket: ticket.token }, asGs1),
      Code.FailedPrecondition,
      /already been redeemed/,
    );
  });

  it("admits exactly one of two concurrent redemptions", async () => {
    const outcomes = await Promise.allSettled([
      client.redeemMatchTicket({ matchTicket: ticket.token }, asGs1),
      client.redeemMatchTicket({ matchTicket: ticket.token }, asGs1),
    ]);

    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = outcomes.find((outcome) => outcome.status === "rejected");
    expect(rejected && ConnectError.from(rejected.reason).code).toBe(Code.FailedPrecondition);
  });

  it("fails a ticket presented by another server with PERMISSION_DENIED, leaving it usable", async () => {
    await expectStatus(
      client.redeemMatchTicket({ matchTicket: ticket.token }, asGs2),
      Code.PermissionDenied,
      /issued for another game server than the caller "gs-2"/,
    );

    await expect(client.redeemMatchTicket({ matchTicket: ticket.token }, asGs1)).resolves.toMatchObject({
      userId: "alice",
    });
  });

  it("fails an expired ticket with FAILED_PRECONDITION", async () => {
    const tenMinutesAgo = new ManualClock(fixture.clock.now() - 10 * 60_000);
    const pastIssuer = new JwtMatchTicketIssuer({
      key: fixture.key,
      issuer: TEST_ISSUER,
      ttlSeconds: 30,
      clock: tenMinutesAgo,
    });
    const expired = await pastIssuer.issue(ALICE_ON_GS1);

    await expectStatus(
      client.redeemMatchTicket({ matchTicket: expired.token }, asGs1),
      Code.FailedPrecondition,
      /^match ticket has expired$/,
    );
  });

  it("fails a tampered or malformed ticket with INVALID_ARGUMENT", async () => {
    const [header, payload, signature = ""] = ticket.token.split(".");
    const tampered = `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;

    await expectStatus(
      client.redeemMatchTicket({ matchTicket: tampered }, asGs1),
      Code.InvalidArgument,
      /^match_ticket: .*signature does not verify/,
    );
    await expectStatus(
      client.redeemMatchTicket({ matchTicket: "garbage" }, asGs1),
      Code.InvalidArgument,
      /^match_ticket: not a well-formed match ticket/,
    );
  });

  it("fails an empty or oversized match_ticket with INVALID_ARGUMENT naming the field", async () => {
    await expectStatus(
      client.redeemMatchTicket({ matchTicket: "" }, asGs1),
      Code.InvalidArgument,
      /^match_ticket: must not be empty$/,
    );
    await expectStatus(
      client.redeemMatchTicket({ matchTicket: "x".repeat(4097) }, asGs1),
      Code.InvalidArgument,
      /^match_ticket: must be at most 4096 characters$/,
    );
  });

  it("fails a missing or unknown game-server credential with UNAUTHENTICATED before looking at the ticket", async () => {
    await expectStatus(
      client.redeemMatchTicket({ matchTicket: ticket.token }),
      Code.Unauthenticated,
      /game-server credential/,
    );
    await expectStatus(
      client.redeemMatchTicket({ matchTicket: "" }, { headers: { authorization: "Bearer player-token" } }),
      Code.Unauthenticated,
      /^game-server credential is missing or invalid$/,
    );

    await expect(client.redeemMatchTicket({ matchTicket: ticket.token }, asGs1)).resolves.toMatchObject({
      userId: "alice",
    });
  });

  it("passes an authenticator's own status through", async () => {
    await expectStatus(
      client.redeemMatchTicket(
        { matchTicket: ticket.token },
        { headers: { authorization: "Bearer keys-unreachable" } },
      ),
      Code.Unavailable,
      /cannot fetch verification keys/,
    );
  });
});

describe("when the redemption ledger is unreachable", () => {
  it("answers UNAVAILABLE so the game server retries, and leaves the ticket unused", async () => {
    const { token } = await fixture.issuer.issue({ ...ALICE_ON_GS1, matchId: "m-ledger-down" });
    ledgerDown = true;
    const error = await client
      .redeemMatchTicket({ matchTicket: token }, { headers: { authorization: "Bearer gs-1-credential" } })
      .catch((e: unknown) => ConnectError.from(e));
    ledgerDown = false;
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    await expect(client.redeemMatchTicket({ matchTicket: token }, { headers: { authorization: "Bearer gs-1-credential" } })).resolves.toMatchObject({
      userId: "alice",
    });
  });
});

describe("when the ledger's answer is lost after it recorded the redemption", () => {
  it("admits the game server's retry with the same redemption_id, and no other call", async () => {
    const { token } = await fixture.issuer.issue({ ...ALICE_ON_GS1, matchId: "m-answer-lost" });
    ledgerAnswersLost = true;
    const lost = await client.redeemMatchTicket({ matchTicket: token, redemptionId: "conn-7" }, asGs1).catch((e: unknown) => ConnectError.from(e));
    ledgerAnswersLost = false;
    expect((lost as ConnectError).code).toBe(Code.Unavailable);

    await expect(client.redeemMatchTicket({ matchTicket: token, redemptionId: "conn-7" }, asGs1)).resolves.toMatchObject({ userId: "alice", matchId: "m-answer-lost" });
    await expect(client.redeemMatchTicket({ matchTicket: token, redemptionId: "conn-8" }, asGs1)).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await expect(client.redeemMatchTicket({ matchTicket: token }, asGs1)).rejects.toMatchObject({ code: Code.FailedPrecondition });
  });

  it("refuses a redemption_id over 128 characters, naming the field", async () => {
    await expectStatus(
      client.redeemMatchTicket({ matchTicket: ticket.token, redemptionId: "x".repeat(129) }, asGs1),
      Code.InvalidArgument,
      /^redemption_id: must be at most 128 characters \(got 129\)$/,
    );
  });
});
