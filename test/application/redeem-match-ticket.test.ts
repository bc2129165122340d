import { beforeEach, describe, expect, it } from "vitest";
import {
  createRedeemMatchTicket,
  type MatchTicketRejection,
  MatchTicketRejectedError,
  type RedeemMatchTicket,
} from "../../src/application/redeem-match-ticket.ts";
import { InMemoryRedemptionLedger } from "../../src/storage/memory/in-memory-redemption-ledger.ts";
import {
  ALICE_ON_GS1,
  createMatchTicketFixture,
  type MatchTicketFixture,
  TEST_TOLERANCE_SECONDS,
} from "../clients/match-tickets/match-ticket-fixture.ts";

let fixture: MatchTicketFixture;
let ledger: InMemoryRedemptionLedger;
let redeem: RedeemMatchTicket;

beforeEach(async () => {
  fixture = await createMatchTicketFixture();
  ledger = new InMemoryRedemptionLedger(fixture.clock);
  redeem = createRedeemMatchTicket({ verifier: fixture.verifier, ledger });
});

async function expectRejected(attempt: Promise<unknown>, reason: MatchTicketRejection, message: RegExp): Promise<void> {
  const error = await attempt.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(MatchTicketRejectedError);
  expect(error).toMatchObject({ reason });
  expect((error as Error).message).toMatch(message);
}

describe("redeemMatchTicket", () => {
  it("admits the player on the server the ticket was issued for", async () => {
    const { token, expiresAt } = await fixture.issuer.issue(ALICE_ON_GS1);

    const { serverId: _serverId, ...publicClaims } = ALICE_ON_GS1;
    await expect(redeem({ token, serverId: "gs-1", redemptionId: "" })).resolves.toMatchObject({ ...publicClaims, expiresAt });
  });

  it("admits a ticket only once", async () => {
    const { token } = await fixture.issuer.issue(ALICE_ON_GS1);
    await redeem({ token, serverId: "gs-1", redemptionId: "" });

    await expectRejected(redeem({ token, serverId: "gs-1", redemptionId: "" }), "already-redeemed", /has already been redeemed/);
  });

  it("admits exactly one of two concurrent redemptions of the same ticket", async () => {
    const { token } = await fixture.issuer.issue(ALICE_ON_GS1);

    const outcomes = await Promise.allSettled([
      redeem({ token, serverId: "gs-1", redemptionId: "" }),
      redeem({ token, serverId: "gs-1", redemptionId: "" }),
    ]);

    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const [rejected] = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(rejected?.reason).toMatchObject({ name: "MatchTicketRejectedError", reason: "already-redeemed" });
  });

  it("keeps each player's ticket separate", async () => {
    const alice = await fixture.issuer.issue(ALICE_ON_GS1);
    const bob = await fixture.issuer.issue({ ...ALICE_ON_GS1, userId: "bob" });

    await redeem({ token: alice.token, serverId: "gs-1", redemptionId: "" });

    await expect(redeem({ token: bob.token, serverId: "gs-1", redemptionId: "" })).resolves.toMatchObject({ userId: "bob" });
  });

  it("rejects a ticket presented to another server without consuming it", async () => {
    const { token } = await fixture.issuer.issue(ALICE_ON_GS1);

    await expectRejected(
      redeem({ token, serverId: "gs-2", redemptionId: "" }),
      "wrong-server",
      /another game server than the caller "gs-2"/,
    );
    expect(ledger.size).toBe(0);
    await expect(redeem({ token, serverId: "gs-1", redemptionId: "" })).resolves.toMatchObject({ userId: "alice" });
  });

  it("rejects an expired ticket", async () => {
    const { token, expiresAt } = await fixture.issuer.issue(ALICE_ON_GS1);
    fixture.clock.advance(expiresAt + TEST_TOLERANCE_SECONDS * 1000 - fixture.clock.now());

    await expectRejected(redeem({ token, serverId: "gs-1", redemptionId: "" }), "expired", /^match ticket has expired$/);
  });

  it("still refuses a replay at the last moment the verifier accepts the ticket", async () => {
    const { token, expiresAt } = await fixture.issuer.issue(ALICE_ON_GS1);
    await redeem({ token, serverId: "gs-1", redemptionId: "" });
    fixture.clock.advance(expiresAt + TEST_TOLERANCE_SECONDS * 1000 - 1 - fixture.clock.now());

    await expectRejected(redeem({ token, serverId: "gs-1", redemptionId: "" }), "already-redeemed", /already been redeemed/);
  });

  it("rejects a forged or malformed ticket as invalid, naming the failed check", async () => {
    const { token } = await fixture.issuer.issue(ALICE_ON_GS1);

    await expectRejected(redeem({ token: `${token}x`, serverId: "gs-1", redemptionId: "" }), "invalid", /signature does not verify/);
    await expectRejected(redeem({ token: "garbage", serverId: "gs-1", redemptionId: "" }), "invalid", /not a well-formed match ticket/);
    expect(ledger.size).toBe(0);
  });

  it("lets errors that are not rejections (a ledger outage) through unchanged", async () => {
    const outage = new Error("ledger unreachable");
    const failing = createRedeemMatchTicket({
      verifier: fixture.verifier,
      ledger: { consume: () => Promise.reject(outage) },
    });
    const { token } = await fixture.issuer.issue(ALICE_ON_GS1);

    await expect(failing({ token, serverId: "gs-1", redemptionId: "" })).rejects.toBe(outage);
  });
});
