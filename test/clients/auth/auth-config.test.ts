import { generateKeyPairSync } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAuthConfig } from "../../../src/clients/auth/auth-config.ts";
import { TEST_SECRET, createKeyPair, createTempDirectory, type TempDirectory } from "./support/keys.ts";
import { configErrorOf } from "../../support/rejection.ts";

const production = { development: false };
let directory: TempDirectory;
let rsaPemFile: string;

beforeAll(async () => {
  directory = await createTempDirectory();
  rsaPemFile = await directory.write("rsa.pem", (await createKeyPair("RS256")).publicPem);
});

afterAll(async () => {
  await directory.remove();
});

describe("loadAuthConfig", () => {
  it("applies the defaults", () => {
    const config = loadAuthConfig({ MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET }, production);

    expect(config).toMatchObject({
      issuer: undefined,
      audience: undefined,
      clockToleranceSeconds: 30,
      cacheMaxEntries: 10_000,
      developmentSecretFile: undefined,
    });
    expect(config.keys.sharedSecret).toEqual(new TextEncoder().encode(TEST_SECRET));
    expect(config.keys.jwksUrl).toBeUndefined();
    expect(config.keys.publicKey).toBeUndefined();
  });

  it("reads every source and setting together", () => {
    const config = loadAuthConfig(
      {
        MATCHMAKER_AUTH_JWKS_URL: "https://id.studio.example/.well-known/jwks.json",
        MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile,
        MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET,
        MATCHMAKER_AUTH_ISSUER: "https://id.studio.example",
        MATCHMAKER_AUTH_AUDIENCE: "matchmaker",
        MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS: "0",
        MATCHMAKER_AUTH_CACHE_MAX_ENTRIES: "500",
      },
      production,
    );

    expect(config.keys.jwksUrl?.href).toBe("https://id.studio.example/.well-known/jwks.json");
    expect(config.keys.publicKey?.algorithm).toBe("RS256");
    expect(config).toMatchObject({
      issuer: "https://id.studio.example",
      audience: "matchmaker",
      clockToleranceSeconds: 0,
      cacheMaxEntries: 500,
    });
  });

  it("refuses to start outside development mode without a key source, naming the variables to set", () => {
    const error = configErrorOf(() => loadAuthConfig({ MATCHMAKER_AUTH_HS256_SECRET: "" }, production));

    expect(error.key).toBe("MATCHMAKER_AUTH_JWKS_URL, MATCHMAKER_AUTH_PUBLIC_KEY_FILE, MATCHMAKER_AUTH_HS256_SECRET");
    expect(error.message).toContain("MATCHMAKER_AUTH_JWKS_URL");
  });

  it("falls back to a private development secret in development mode, created once and reused", async () => {
    const secretFile = join(directory.path, "dev", "secret");
    const env = { MATCHMAKER_DEV_SECRET_FILE: secretFile };

    const first = loadAuthConfig(env, { development: true });
    const second = loadAuthConfig(env, { development: true });

    expect(first.developmentSecretFile).toBe(secretFile);
    expect(first.keys.sharedSecret?.byteLength).toBeGreaterThanOrEqual(32);
    expect(second.keys.sharedSecret).toEqual(first.keys.sharedSecret);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
  });

  it("uses configured keys rather than the development secret in development mode", () => {
    const config = loadAuthConfig({ MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile }, { development: true });

    expect(config.developmentSecretFile).toBeUndefined();
    expect(config.keys.sharedSecret).toBeUndefined();
  });

  it.each([
    ["MATCHMAKER_AUTH_JWKS_URL", "not a url", "is not a URL"],
    ["MATCHMAKER_AUTH_JWKS_URL", "http://id.studio.example/jwks", "must use https"],
    ["MATCHMAKER_AUTH_HS256_SECRET", "too-short", "at least 32"],
    ["MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS", "301", "from 0 to 300"],
    ["MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS", "-1", "from 0 to 300"],
    ["MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS", "1.5", "from 0 to 300"],
    ["MATCHMAKER_AUTH_CACHE_MAX_ENTRIES", "lots", "from 0 to 1000000"],
    ["MATCHMAKER_AUTH_PUBLIC_KEY_ALG", "ES256", "MATCHMAKER_AUTH_PUBLIC_KEY_FILE is not"],
  ])("rejects %s=%j", (variable, value, problem) => {
    const error = configErrorOf(() =>
      loadAuthConfig({ MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET, [variable]: value }, production),
    );

    expect(error.key).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(problem);
  });

  it("accepts plain http for a JWKS on localhost", () => {
    const config = loadAuthConfig({ MATCHMAKER_AUTH_JWKS_URL: "http://127.0.0.1:8080/jwks" }, production);
    expect(config.keys.jwksUrl?.port).toBe("8080");
  });

  it("rejects a public key algorithm outside the allow-list", () => {
    const error = configErrorOf(() =>
      loadAuthConfig(
        { MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile, MATCHMAKER_AUTH_PUBLIC_KEY_ALG: "HS256" },
        production,
      ),
    );
    expect(error.key).toBe("MATCHMAKER_AUTH_PUBLIC_KEY_ALG");
    expect(error.message).toContain("RS256, RS384, RS512, PS256, ES256, ES384, EdDSA");
  });

  it("rejects a public key that cannot verify the configured algorithm", () => {
    const error = configErrorOf(() =>
      loadAuthConfig({ MATCHMAKER_AUTH_PUBLIC_KEY_FILE: rsaPemFile, MATCHMAKER_AUTH_PUBLIC_KEY_ALG: "ES256" }, production),
    );
    expect(error.key).toBe("MATCHMAKER_AUTH_PUBLIC_KEY_FILE, MATCHMAKER_AUTH_PUBLIC_KEY_ALG");
    expect(error.message).toContain("not EC");
  });

  it("rejects an RSA key shorter than 2048 bits", async () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const file = await directory.write("weak.pem", publicKey.export({ type: "spki", format: "pem" }).toString());

    const error = configErrorOf(() => loadAuthConfig({ MATCHMAKER_AUTH_PUBLIC_KEY_FILE: file }, production));

    expect(error.message).toContain("1024 bits");
  });

  it("rejects a private key, a missing file and a file that is not a key", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const files = [
      await directory.write("private.pem", privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
      join(directory.path, "absent.pem"),
      await directory.write("garbage.pem", "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"),
    ];

    for (const file of files) {
      const error = configErrorOf(() =>
        loadAuthConfig({ MATCHMAKER_AUTH_PUBLIC_KEY_FILE: file, MATCHMAKER_AUTH_PUBLIC_KEY_ALG: "ES256" }, production),
      );
      expect(error.key).toBe("MATCHMAKER_AUTH_PUBLIC_KEY_FILE");
      expect(error.message).toContain(file);
    }
    expect(configErrorOf(() => loadAuthConfig({ MATCHMAKER_AUTH_PUBLIC_KEY_FILE: files[1]! }, production)).message).toBe(
      `MATCHMAKER_AUTH_PUBLIC_KEY_FILE: cannot read "${files[1]}": ENOENT: no such file or directory, open '${files[1]}'`,
    );
  });
});
