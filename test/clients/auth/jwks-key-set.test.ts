import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, KeySourceUnavailableError } from "../../../src/clients/auth/errors.ts";
import type { TokenVerifier } from "../../../src/clients/auth/token-verifier.ts";
import { startJwksServer, type JwksServer } from "./support/jwks-server.ts";
import { TEST_SECRET, TEST_SECRET_BYTES, createKeyPair, signToken, type TestKeyPair } from "./support/keys.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { productionVerifier } from "./support/verifier.ts";

/** Mirrors the key set's cooldown and maximum age; the tests below pin those documented values. */
const COOLDOWN_SECONDS = 30;
const MAX_AGE_SECONDS = 600;

let rsa: TestKeyPair;
let ec: TestKeyPair;
let rotated: TestKeyPair;
const servers: JwksServer[] = [];

beforeAll(async () => {
  [rsa, ec, rotated] = await Promise.all([
    createKeyPair("RS256", "rsa-1"),
    createKeyPair("ES256", "ec-1"),
    createKeyPair("RS256", "rsa-2"),
  ]);
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(pairs: TestKeyPair[]): Promise<JwksServer> {
  const server = await startJwksServer(pairs.map((pair) => pair.publicJwk));
  servers.push(server);
  return server;
}

function jwksVerifier(url: string, clock: ManualClock, env: NodeJS.ProcessEnv = {}): TokenVerifier {
  return productionVerifier({ MATCHMAKER_AUTH_JWKS_URL: url, ...env }, clock);
}

function sign(pair: TestKeyPair, clock: ManualClock, subject = "alice"): Promise<string> {
  return signToken(pair.privateKey, pair.algorithm, { clock, kid: pair.publicJwk.kid, claims: { sub: subject } });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("createTokenVerifier with a JWKS endpoint", () => {
  it("verifies tokens with the key their `kid` names, fetching the key set once", async () => {
    const server = await serve([rsa, ec]);
    const clock = new ManualClock();
    const verifier = jwksVerifier(server.url, clock);

    await expect(verifier.verify(await sign(rsa, clock, "alice"))).resolves.toMatchObject({ subject: "alice" });
    await expect(verifier.verify(await sign(ec, clock, "bob"))).resolves.toMatchObject({ subject: "bob" });
    expect(server.requests).toBe(1);
  });

  it("serves a token verified before from the cache, without consulting the key set", async () => {
    const server = await serve([rsa]);
    const clock = new ManualClock();
    const verifier = jwksVerifier(server.url, clock);
    const token = await sign(rsa, clock);
    const verified = await verifier.verify(token);

    clock.advanceSeconds(MAX_AGE_SECONDS);
    await expect(verifier.verify(token)).resolves.toBe(verified);
    expect(server.requests).toBe(1);

    await verifier.verify(await sign(rsa, clock, "bob"));
    expect(server.requests).toBe(2);
  });

  it("refetches once for an unknown `kid` after the cooldown, and then rejects keys rotated out", async () => {
    const server = await serve([rsa]);
    const clock = new ManualClock();
    const verifier = jwksVerifier(server.url, clock);
    await verifier.verify(await sign(rsa, clock));
    server.keys = [rotated.publicJwk];

    await expect(verifier.verify(await sign(rotated, clock))).rejects.toMatchObject({ check: "signature" });
    clock.advanceSeconds(COOLDOWN_SECONDS - 1);
    await expect(verifier.verify(await sign(rotated, clock))).rejects.toMatchObject({ check: "signature" });
    expect(server.requests).toBe(1);

    clock.advanceSeconds(1);
    const [carol, dave] = await Promise.all([sign(rotated, clock, "carol"), sign(rotated, clock, "dave")]);
    const verified = await Promise.all([verifier.verify(carol), verifier.verify(dave)]);

    expect(verified.map((token) => token.subject)).toEqual(["carol", "dave"]);
    expect(server.requests).toBe(2);
    const retired = await rejection(verifier.verify(await sign(rsa, clock, "eve")));
    expect(retired).toMatchObject({ name: "AuthenticationError", check: "signature" });
    expect(server.requests).toBe(2);
  });

  it("refetches the key set once it is older than its maximum age", async () => {
    const server = await serve([rsa]);
    const clock = new ManualClock();
    const verifier = jwksVerifier(server.url, clock);
    await verifier.verify(await sign(rsa, clock));
    server.keys = [rotated.publicJwk];

    clock.advanceSeconds(MAX_AGE_SECONDS);
    const retired = await rejection(verifier.verify(await sign(rsa, clock, "bob")));

    expect(retired).toMatchObject({ name: "AuthenticationError", check: "signature" });
    expect(server.requests).toBe(2);
  });

  it("fails with KeySourceUnavailableError when the endpoint cannot be reached and nothing is cached", async () => {
    const server = await serve([rsa]);
    const url = server.url;
    await servers.splice(0)[0]?.close();
    const clock = new ManualClock();
    const token = await sign(rsa, clock);

    const error = await rejection(jwksVerifier(url, clock).verify(token));

    expect(error).toBeInstanceOf(KeySourceUnavailableError);
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).not.toContain(token.split(".")[2]);
  });

  it("retries an unreachable endpoint at most once per cooldown, and recovers", async () => {
    const server = await serve([rsa]);
    server.available = false;
    const clock = new ManualClock();
    const verifier = jwksVerifier(server.url, clock);

    await expect(verifier.verify(await sign(rsa, clock, "a"))).rejects.toBeInstanceOf(KeySourceUnavailableError);
    await expect(verifier.verify(await sign(rsa, clock, "b"))).rejects.toBeInstanceOf(KeySourceUnavailableError);
    expect(server.requests).toBe(1);

    server.available = true;
    clock.advanceSeconds(COOLDOWN_SECONDS);
    await expect(verifier.verify(await sign(rsa, clock, "c"))).resolves.toMatchObject({ subject: "c" });
    expect(server.requests).toBe(2);
  });

  it("keeps verifying with cached keys while the endpoint is down, failing only tokens they do not fit", async () => {
    const server = await serve([rsa]);
    const clock = new ManualClock();
    const verifier = jwksVerifier(server.url, clock);
    await verifier.verify(await sign(rsa, clock));
    await servers.splice(0)[0]?.close();

    clock.advanceSeconds(MAX_AGE_SECONDS);
    await expect(verifier.verify(await sign(rsa, clock, "bob"))).resolves.toMatchObject({ subject: "bob" });
    clock.advanceSeconds(COOLDOWN_SECONDS);
    await expect(verifier.verify(await sign(rotated, clock))).rejects.toBeInstanceOf(KeySourceUnavailableError);
  });

  it("rejects HS256 tokens unless a shared secret is configured next to the JWKS", async () => {
    const server = await serve([rsa]);
    const clock = new ManualClock();
    const token = await signToken(TEST_SECRET_BYTES, "HS256", { clock, kid: "rsa-1" });
    const combined = jwksVerifier(server.url, clock, { MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET });

    await expect(jwksVerifier(server.url, clock).verify(token)).rejects.toMatchObject({ check: "algorithm" });
    await expect(combined.verify(token)).resolves.toMatchObject({ subject: "alice" });
    await expect(combined.verify(await sign(rsa, clock, "bob"))).resolves.toMatchObject({ subject: "bob" });
    expect(server.requests).toBe(1);
  });

  it("rejects a token signed with a known `kid` but another key", async () => {
    const server = await serve([rsa]);
    const clock = new ManualClock();
    const forged = await signToken(rotated.privateKey, "RS256", { clock, kid: "rsa-1" });

    const error = await rejection(jwksVerifier(server.url, clock).verify(forged));

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ check: "signature" });
  });
});
