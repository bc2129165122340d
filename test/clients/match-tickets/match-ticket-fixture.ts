import { ManualClock } from "../../support/manual-clock.ts";
import { JwtMatchTicketIssuer } from "../../../src/clients/match-tickets/jwt-match-ticket-issuer.ts";
import { JwtMatchTicketVerifier } from "../../../src/clients/match-tickets/jwt-match-ticket-verifier.ts";
import {
  loadMatchTicketSigningKey,
  matchTicketJwks,
  type MatchTicketSigningKey,
} from "../../../src/clients/match-tickets/match-ticket-signing-key.ts";

export { ManualClock };

export const TEST_ISSUER = "matchmaker-test";
export const TEST_TTL_SECONDS = 30;
export const TEST_TOLERANCE_SECONDS = 5;

/** The ticket most tests issue: player "alice" in match "m-1" on server "gs-1". */
export const ALICE_ON_GS1 = {
  userId: "alice",
  matchId: "m-1",
  serverAddress: "10.0.0.7:7777",
  serverId: "gs-1",
} as const;

/** An issuer and a verifier sharing a freshly generated key and a manual clock. */
export interface MatchTicketFixture {
  readonly clock: ManualClock;
  readonly key: MatchTicketSigningKey;
  readonly issuer: JwtMatchTicketIssuer;
  readonly verifier: JwtMatchTicketVerifier;
}

export async function createMatchTicketFixture(): Promise<MatchTicketFixture> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const { key } = await loadMatchTicketSigningKey({ keyFile: undefined });
  return {
    clock,
    key,
    issuer: new JwtMatchTicketIssuer({ key, issuer: TEST_ISSUER, ttlSeconds: TEST_TTL_SECONDS, clock }),
    verifier: new JwtMatchTicketVerifier({
      jwks: matchTicketJwks([key]),
      issuer: TEST_ISSUER,
      clock,
      clockToleranceSeconds: TEST_TOLERANCE_SECONDS,
    }),
  };
}
