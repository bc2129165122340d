import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from "jose";
import type { Clock } from "../../../../src/application/ports/clock.ts";

/** An asymmetric key pair with its public half in the forms a verifier is configured with. */
export interface TestKeyPair {
  readonly algorithm: string;
  readonly privateKey: CryptoKey;
  readonly publicPem: string;
  readonly publicJwk: JWK;
}

export async function createKeyPair(algorithm: string, kid?: string): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), alg: algorithm, use: "sig" };
  if (kid !== undefined) publicJwk.kid = kid;
  return { algorithm, privateKey, publicPem: await exportSPKI(publicKey), publicJwk };
}

/** What a test token looks like; by default a player token valid for an hour from `clock`. */
export interface TestTokenOptions {
  readonly clock: Clock;
  readonly claims?: JWTPayload;
  readonly kid?: string;
  readonly ttlSeconds?: number;
}

/** Signs a token the way an identity provider would, with the test's clock for `iat`/`exp`. */
export async function signToken(
  key: CryptoKey | Uint8Array,
  algorithm: string,
  { clock, claims = { sub: "alice" }, kid, ttlSeconds = 3600 }: TestTokenOptions,
): Promise<string> {
  const issuedAt = Math.floor(clock.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader(kid === undefined ? { alg: algorithm } : { alg: algorithm, kid })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(key);
}

/** A temporary directory for key and secret files, removed by `remove`. */
export interface TempDirectory {
  readonly path: string;
  write(name: string, contents: string): Promise<string>;
  remove(): Promise<void>;
}

export async function createTempDirectory(): Promise<TempDirectory> {
  const path = await mkdtemp(join(tmpdir(), "matchmaker-auth-"));
  return {
    path,
    async write(name, contents) {
      const file = join(path, name);
      await writeFile(file, contents);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** A shared secret long enough for HS256. */
export const TEST_SECRET = "test-secret-that-is-at-least-32-bytes-long";
export const TEST_SECRET_BYTES = new TextEncoder().encode(TEST_SECRET);
