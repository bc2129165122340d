import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, type AuthenticationCheck } from "../../../src/clients/auth/errors.ts";
import type { TokenVerifier } from "../../../src/clients/auth/token-verifier.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { productionVerifier } from "./support/verifier.ts";
import {
  TEST_SECRET,
  TEST_SECRET_BYTES,
  createKeyPair,
  createTempDirectory,
  signToken,
  type TempDirectory,
  type TestKeyPair,
} from "./support/keys.ts";

let directory: TempDirectory;
let rsa: TestKeyPair;
let rsaPemFile: string;

beforeAll(async () => {
  directory = await createTempDirectory();
  rsa = await createKeyPair("RS256");
  rsaPemFile = await directory.write("rsa.pem", rsa.publicPem);
});

afterAll(async () => {
  await directory.remove();
});

function hs256Verifier(clock: ManualClock, env: NodeJS.ProcessEnv = {}): TokenVerifier {
  return productionVerifier({ MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET, ...env }, clock);
}

/** Asserts the rejection names `check` and does not echo the token or any part of it. */
async function expectRejected(verifier: TokenVerifier, token: string, check: AuthenticationCheck): Promise<void> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  const failure = error as AuthenticationError;
  expect(failure.check).toBe(check);
  expect(failure.message).toContain(`(${check})`);
  for (const part of token.split(".").filter((segment) => segment.length >= 8)) {
    expect(failure.message).not.toContain(part);
  }
}

describe("createTokenVerifier with an HS256 secret", () => {
  it("accepts a token signed with the secret and reports its subject, scopes and expiry", async () => {
    const clock = new ManualClock();
    const token = await signToken(TEST_SECRET_BYTES, "HS256", {
      clock,
      claims: { sub: "alice", scope: "matchmaker:service  other" },
      ttlSeconds: 600,
    });

    const verified = await hs256Verifier(clock).verify(token);

    expect(verified.subject).toBe("alice");
    expect([...verified.scopes].sort()).toEqual(["matchmaker:service", "other"]);
    expect(verified.expiresAt).toBe(Math.floor(clock.now() / 1000) * 1000 + 600_000);
  });

  it("merges scopes from an `scp` array", async () => {
    const clock = new ManualClock();
    const token = await signToken(TEST_SECRET_BYTES, "HS256", {
      clock,
      claims: { sub: "gs-1", scp: ["matchmaker:gameserver"], scope: "a" },
    });

    const verified = await hs256Verifier(clock).verify(token);

    expect([...verified.scopes].sort()).toEqual(["a", "matchmaker:gameserver"]);
  });

  it("rejects a token signed with another secret", async () => {
    const clock = new ManualClock();
    const token = await signToken(new TextEncoder().encode("another-secret-that-is-also-32-bytes-long"), "HS256", {
      clock,
    });
    await expectRejected(hs256Verifier(clock), token, "signature");
  });

  it("rejects a token whose payload was altered after signing", async () => {
    const clock = new ManualClock();
    const [header, , signature] = (await signToken(TEST_SECRET_BYTES, "HS256", { clock })).split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ sub: "admin", exp: 4_102_444_800 })).toString("base64url");
    await expectRejected(hs256Verifier(clock), `${header}.${forgedPayload}.${signature}`, "signature");
  });

  it('rejects an unsigned token (`alg: "none"`)', async () => {
    const clock = new ManualClock();
    const token = new UnsecuredJWT({ sub: "alice" }).setExpirationTime(Math.floor(clock.now() / 1000) + 60).encode();
    await expectRejected(hs256Verifier(clock), token, "algorithm");
  });

  it("rejects an asymmetric token when only a secret is configured", async () => {
    const clock = new ManualClock();
    await expectRejected(hs256Verifier(clock), await signToken(rsa.privateKey, "RS256", { clock }), "algorithm");
  });

  it.each(["not a token", "a.b", "a.b.c.d", "", "x".repeat(20_000)])("rejects the malformed token %#", async (token) => {
    await expectRejected(hs256Verifier(new ManualClock()), token, "malformed");
  });

  it("rejects a header that is not JSON", async () => {
    await expectRejected(hs256Verifier(new ManualClock()), "bm90LWpzb24.e30.c2ln", "malformed");
  });

  it("rejects a critical header extension it does not understand", async () => {
    const clock = new ManualClock();
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "HS256", crit: ["urn:example:binding"], "urn:example:binding": true })
      .setExpirationTime(Math.floor(clock.now() / 1000) + 60)
      .sign(TEST_SECRET_BYTES, { crit: { "urn:example:binding": true } });
    await expectRejected(hs256Verifier(clock), token, "malformed");
  });

  it("rejects an expired token", async () => {
    const clock = new ManualClock();
    const token = await signToken(TEST_SECRET_BYTES, "HS256", { clock, ttlSeconds: 60 });
    clock.advanceSeconds(60 + 30);
    await expectRejected(hs256Verifier(clock), token, "expired");
  });

  it("rejects a token that is not valid yet", async () => {
    const clock = new ManualClock();
    const nowSeconds = Math.floor(clock.now() / 1000);
    const token = await signToken(TEST_SECRET_BYTES, "HS256", {
      clock,
      claims: { sub: "alice", nbf: nowSeconds + 31 },
    });
    await expectRejected(hs256Verifier(clock), token, "not-yet-valid");
  });

  it("honours the configured clock skew on both `exp` and `nbf`", async () => {
    const clock = new ManualClock();
    const nowSeconds = Math.floor(clock.now() / 1000);
    const early = await signToken(TEST_SECRET_BYTES, "HS256", { clock, claims: { sub: "a", nbf: nowSeconds + 100 } });
    const late = await signToken(TEST_SECRET_BYTES, "HS256", { clock, ttlSeconds: 60 });
    const lenient = hs256Verifier(clock, { MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS: "120" });
    const strict = hs256Verifier(clock, { MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS: "0" });

    await expect(lenient.verify(early)).resolves.toMatchObject({ subject: "a" });
    await expectRejected(strict, early, "not-yet-valid");

    clock.advanceSeconds(60 + 100);
    await expect(lenient.verify(late)).resolves.toMatchObject({ subject: "alice" });
    await expectRejected(strict, late, "expired");
    clock.advanceSeconds(21);
    await expectRejected(lenient, late, "expired");
  });

  it("requires the configured issuer", async () => {
    const clock = new ManualClock();
    const verifier = hs256Verifier(clock, { MATCHMAKER_AUTH_ISSUER: "https://id.studio.example" });
    const foreign = await signToken(TEST_SECRET_BYTES, "HS256", {
      clock,
      claims: { sub: "alice", iss: "https://id.other.example" },
    });
    const missing = await signToken(TEST_SECRET_BYTES, "HS256", { clock });
    const good = await signToken(TEST_SECRET_BYTES, "HS256", {
      clock,
      claims: { sub: "alice", iss: "https://id.studio.example" },
    });

    await expectRejected(verifier, foreign, "issuer");
    await expectRejected(verifier, missing, "issuer");
    await expect(verifier.verify(good)).resolves.toMatchObject({ subject: "alice" });
  });

  it("requires the configured audience, also inside an `aud` array", async () => {
    const clock = new ManualClock();
    const verifier = hs256Verifier(clock, { MATCHMAKER_AUTH_AUDIENCE: "matchmaker" });
    const other = await signToken(TEST_SECRET_BYTES, "HS256", { clock, claims: { sub: "alice", aud: "chat" } });
    const listed = await signToken(TEST_SECRET_BYTES, "HS256", {
      clock,
      claims: { sub: "alice", aud: ["chat", "matchmaker"] },
    });

    await expectRejected(verifier, other, "audience");
    await expect(verifier.verify(listed)).resolves.toMatchObject({ subject: "alice" });
  });

  it.each([
    ["no subject", {}],
    ["an empty subject", { sub: "" }],
    ["a numeric scope", { sub: "alice", scope: 7 }],
    ["an scp array of non-strings", { sub: "alice", scp: [1] }],
  ])("rejects claims with %s", async (_case, claims) => {
    const clock = new ManualClock();
    const token = await signToken(TEST_SECRET_BYTES, "HS256", { clock, claims });
    await expectRejected(hs256Verifier(clock), token, "claims");
  });

  it("rejects a token without `exp`", async () => {
    const clock = new ManualClock();
    const token = await new SignJWT({ sub: "alice" }).setProtectedHeader({ alg: "HS256" }).sign(TEST_SECRET_BYTES);
    await expectRejected(hs256Verifier(clock), token, "claims");
  });
});

describe("createTokenVerifier with a PEM public key", () => {
  it.each(["RS256", "ES256", "EdDSA", "PS256", "ES384", "RS512"])("accepts %s tokens", async (algorithm) => {
    const clock = new ManualClock();
    const pair = await createKeyPair(algorithm);
    const file = await directory.write(`${algorithm}.pem`, pair.publicPem);
    const verifier = productionVerifier(
      { MATCHMAKER_AUTH_PUBLIC_KEY_FILE: file, MATCHMAKER_AUTH_PUBLIC_KEY_ALG: algorithm },
      clock,
    );

    const verified = await verifier.verify(
      await signToken(pair.privateKey, algorithm, { clock, claims: { sub: "svc", scope: "matchmaker:service" } }),
    );

    expect(verified.subject).toBe("svc");
  });

  it("rejects a token signed by another key", async () => {
    const clock = new ManualClock();
    const verifier = productionVerifier({ MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile }, clock);
    const stranger = await createKeyPair("RS256");
    await expectRejected(verifier, await signToken(stranger.privateKey, "RS256", { clock }), "signature");
  });

  it("rejects another asymmetric algorithm than the configured one", async () => {
    const clock = new ManualClock();
    const verifier = productionVerifier({ MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile }, clock);
    const ec = await createKeyPair("ES256");
    await expectRejected(verifier, await signToken(ec.privateKey, "ES256", { clock }), "algorithm");
  });

  it("rejects HS256 tokens keyed with the public key's PEM bytes (algorithm confusion)", async () => {
    const clock = new ManualClock();
    const confused = await signToken(new TextEncoder().encode(rsa.publicPem), "HS256", { clock });
    const pemOnly = productionVerifier({ MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile }, clock);
    const pemAndSecret = productionVerifier(
      { MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile, MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET },
      clock,
    );

    await expectRejected(pemOnly, confused, "algorithm");
    await expectRejected(pemAndSecret, confused, "signature");
  });

  it("verifies each token with the source its algorithm selects when several are configured", async () => {
    const clock = new ManualClock();
    const verifier = productionVerifier(
      { MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile, MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET },
      clock,
    );
    const viaSecret = await signToken(TEST_SECRET_BYTES, "HS256", { clock, claims: { sub: "by-secret" } });
    const viaKey = await signToken(rsa.privateKey, "RS256", { clock, claims: { sub: "by-key" } });

    await expect(verifier.verify(viaSecret)).resolves.toMatchObject({ subject: "by-secret" });
    await expect(verifier.verify(viaKey)).resolves.toMatchObject({ subject: "by-key" });
  });
});

describe("the verified-token cache", () => {
  it("serves a repeated token from the cache, and never past its expiry", async () => {
    const clock = new ManualClock();
    const verifier = hs256Verifier(clock, { MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS: "0" });
    const token = await signToken(TEST_SECRET_BYTES, "HS256", { clock, ttlSeconds: 60 });

    const first = await verifier.verify(token);
    clock.advanceSeconds(59);
    const second = await verifier.verify(token);

    expect(second).toBe(first);
    clock.advanceSeconds(1);
    await expectRejected(verifier, token, "expired");
  });

  it("answers at once for a token verified recently, and for no other", async () => {
    const clock = new ManualClock();
    const verifier = hs256Verifier(clock, { MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS: "0" });
    const token = await signToken(TEST_SECRET_BYTES, "HS256", { clock, ttlSeconds: 60 });
    const forged = await signToken(new TextEncoder().encode("another-secret-that-is-also-32-bytes-long"), "HS256", { clock });

    expect(verifier.recentlyVerified(token)).toBeUndefined();
    const verified = await verifier.verify(token);
    expect(verifier.recentlyVerified(token)).toBe(verified);
    await expectRejected(verifier, forged, "signature");
    expect(verifier.recentlyVerified(forged)).toBeUndefined();
    expect(verifier.recentlyVerified(`${token}x`)).toBeUndefined();

    clock.advanceSeconds(59);
    expect(verifier.recentlyVerified(token)).toBe(verified);
    clock.advanceSeconds(1);
    expect(verifier.recentlyVerified(token)).toBeUndefined();
  });
});
