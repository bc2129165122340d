import { serverAudience } from "../../../src/clients/match-tickets/match-ticket-jwt.ts";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, UnsecuredJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type MatchTicketCheck,
  MatchTicketVerificationError,
} from "../../../src/application/ports/match-ticket-verifier.ts";
import { JwtMatchTicketIssuer } from "../../../src/clients/match-tickets/jwt-match-ticket-issuer.ts";
import {
  loadMatchTicketSigningKey,
  matchTicketJwks,
} from "../../../src/clients/match-tickets/match-ticket-signing-key.ts";
import {
  ALICE_ON_GS1,
  createMatchTicketFixture,
  type MatchTicketFixture,
  TEST_ISSUER,
  TEST_TOLERANCE_SECONDS,
  TEST_TTL_SECONDS,
} from "./match-ticket-fixture.ts";

let fixture: MatchTicketFixture;

beforeEach(async () => {
  fixture = await createMatchTicketFixture();
});

async function expectRejected(token: string, check: MatchTicketCheck, message: RegExp): Promise<void> {
  const error = await fixture.verifier.verify(token).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(MatchTicketVerificationError);
  expect(error).toMatchObject({ check });
  expect((error as Error).message).toMatch(message);
  if (token !== "") expect((error as Error).message).not.toContain(token);
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("JwtMatchTicketIssuer", () => {
  it("signs the claims documented for game servers", async () => {
    const issuedAt = fixture.clock.now() / 1000;

    const { token, expiresAt } = await fixture.issuer.issue(ALICE_ON_GS1);

    expect(decodeProtectedHeader(token)).toEqual({ alg: "EdDSA", typ: "match-ticket+jwt", kid: fixture.key.kid });
    expect(decodeJwt(token)).toEqual({
      iss: TEST_ISSUER,
      sub: "alice",
      aud: serverAudience("gs-1"),
      match_id: "m-1",
      server_address: "10.0.0.7:7777",
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: issuedAt,
      exp: issuedAt + TEST_TTL_SECONDS,
    });
    expect(expiresAt).toBe(fixture.clock.now() + TEST_TTL_SECONDS * 1000);
  });

  it("gives every ticket its own id, even for the same player and match", async () => {
    const ids = new Set<unknown>();
    for (let i = 0; i < 50; i++) ids.add(decodeJwt((await fixture.issuer.issue(ALICE_ON_GS1)).token).jti);
    expect(ids.size).toBe(50);
  });

  it("counts the lifetime from whole seconds, never past now + TTL", async () => {
    fixture.clock.advance(999);
    const { expiresAt } = await fixture.issuer.issue(ALICE_ON_GS1);
    expect(expiresAt).toBe(fixture.clock.now() - 999 + TEST_TTL_SECONDS * 1000);
  });
});

describe("JwtMatchTicketVerifier", () => {
  it("returns the typed claims of a valid ticket", async () => {
    const { token, expiresAt } = await fixture.issuer.issue(ALICE_ON_GS1);

    const ticket = await fixture.verifier.verify(token);

    expect(ticket).toEqual({
      userId: ALICE_ON_GS1.userId,
      matchId: ALICE_ON_GS1.matchId,
      serverAddress: ALICE_ON_GS1.serverAddress,
      serverBinding: serverAudience("gs-1"),
      ticketId: decodeJwt(token).jti,
      expiresAt,
      acceptedUntil: expiresAt + TEST_TOLERANCE_SECONDS * 1000,
    });
  });

  it("accepts a ticket until its expiry plus the clock tolerance, then rejects it as expired", async () => {
    const { token, expiresAt } = await fixture.issuer.issue(ALICE_ON_GS1);
    const acceptedUntil = expiresAt + TEST_TOLERANCE_SECONDS * 1000;

    fixture.clock.advance(acceptedUntil - 1 - fixture.clock.now());
    await expect(fixture.verifier.verify(token)).resolves.toMatchObject({ userId: "alice", acceptedUntil });

    fixture.clock.advance(1);
    await expectRejected(token, "expired", /^match ticket has expired$/);
  });

  it("rejects a ticket whose payload was changed", async () => {
    const { token } = await fixture.issuer.issue(ALICE_ON_GS1);
    const [header, , signature] = token.split(".");
    const forged = `${header}.${base64urlJson({ ...decodeJwt(token), sub: "mallory" })}.${signature}`;

    await expectRejected(forged, "signature", /signature does not verify/);
  });

  it("rejects a ticket whose signature was changed", async () => {
    const { token } = await fixture.issuer.issue(ALICE_ON_GS1);
    const [header, payload, signature = ""] = token.split(".");
    const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;

    await expectRejected(`${header}.${payload}.${flipped}`, "signature", /signature does not verify/);
  });

  it("rejects a ticket signed by another key, with or without that key's kid", async () => {
    const other = await loadMatchTicketSigningKey({ keyFile: undefined });
    const otherIssuer = new JwtMatchTicketIssuer({
      key: other.key,
      issuer: TEST_ISSUER,
      ttlSeconds: 30,
      clock: fixture.clock,
    });
    const ownKidIssuer = new JwtMatchTicketIssuer({
      key: { ...other.key, kid: fixture.key.kid },
      issuer: TEST_ISSUER,
      ttlSeconds: 30,
      clock: fixture.clock,
    });

    await expectRejected((await otherIssuer.issue(ALICE_ON_GS1)).token, "signature", /signature does not verify/);
    await expectRejected((await ownKidIssuer.issue(ALICE_ON_GS1)).token, "signature", /signature does not verify/);
  });

  it("rejects a ticket from another issuer signed with the trusted key", async () => {
    const foreign = new JwtMatchTicketIssuer({
      key: fixture.key,
      issuer: "someone-else",
      ttlSeconds: 30,
      clock: fixture.clock,
    });

    await expectRejected((await foreign.issue(ALICE_ON_GS1)).token, "issuer", /issued by another issuer/);
  });

  it("rejects algorithms other than EdDSA: HS256 keyed with the public key, and none", async () => {
    const payload = { ...ALICE_ON_GS1, sub: "alice", aud: "gs-1", match_id: "m-1", server_address: "x:1" };
    const now = fixture.clock.now() / 1000;
    const hmac = await new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256", typ: "match-ticket+jwt", kid: fixture.key.kid })
      .setIssuer(TEST_ISSUER)
      .setJti("j-1")
      .setIssuedAt(now)
      .setExpirationTime(now + 30)
      .sign(new TextEncoder().encode(JSON.stringify(fixture.key.publicJwk)));
    const unsigned = new UnsecuredJWT(payload)
      .setIssuer(TEST_ISSUER)
      .setJti("j-2")
      .setIssuedAt(now)
      .setExpirationTime(now + 30)
      .encode();

    await expectRejected(hmac, "algorithm", /^match ticket is not signed with EdDSA$/);
    await expectRejected(unsigned, "algorithm", /^match ticket is not signed with EdDSA$/);
  });

  it("rejects a token that is not a match ticket", async () => {
    const otherType = await new SignJWT({ match_id: "m-1", server_address: "x:1" })
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: fixture.key.kid })
      .setIssuer(TEST_ISSUER)
      .setSubject("alice")
      .setAudience("gs-1")
      .setJti("j-1")
      .setIssuedAt(fixture.clock.now() / 1000)
      .setExpirationTime(fixture.clock.now() / 1000 + 30)
      .sign(fixture.key.privateKey);

    await expectRejected("not-a-jwt", "malformed", /^not a well-formed match ticket: /);
    await expectRejected("", "malformed", /^not a well-formed match ticket: /);
    await expectRejected(otherType, "malformed", /"typ"/);
  });

  it("rejects a genuine ticket that lacks a claim or has a claim of the wrong type", async () => {
    const now = fixture.clock.now() / 1000;
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ match_id: "m-1", server_address: "x:1", ...claims })
        .setProtectedHeader({ alg: "EdDSA", typ: "match-ticket+jwt", kid: fixture.key.kid })
        .setIssuer(TEST_ISSUER)
        .setSubject("alice")
        .setJti("j-1")
        .setIssuedAt(now)
        .setExpirationTime(now + 30)
        .sign(fixture.key.privateKey);

    await expectRejected(await sign({ aud: "gs-1", match_id: undefined }), "malformed", /"match_id"/);
    await expectRejected(await sign({ aud: ["gs-1", "gs-2"] }), "malformed", /claim "aud" must be a non-empty string/);
    await expectRejected(await sign({ aud: "gs-1", server_address: 7777 }), "malformed", /claim "server_address"/);
  });
});

describe("offline verification by a game server", () => {
  it("needs only the published JWKS document, its own server id and the issuer", async () => {
    const published = JSON.parse(JSON.stringify(matchTicketJwks([fixture.key]))) as ReturnType<typeof matchTicketJwks>;
    const gameServerKeys = createLocalJWKSet(published);
    const { token } = await fixture.issuer.issue(ALICE_ON_GS1);
    const options = {
      algorithms: ["EdDSA"],
      issuer: TEST_ISSUER,
      typ: "match-ticket+jwt",
      currentDate: new Date(fixture.clock.now()),
    };

    const { payload } = await jwtVerify(token, gameServerKeys, { ...options, audience: serverAudience("gs-1") });

    expect(payload).toMatchObject({ sub: "alice", match_id: "m-1", server_address: "10.0.0.7:7777" });
    await expect(jwtVerify(token, gameServerKeys, { ...options, audience: serverAudience("gs-2") })).rejects.toThrow(/"aud" claim/);
  });
});
