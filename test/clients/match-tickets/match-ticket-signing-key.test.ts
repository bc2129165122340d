import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.ts";
import {
  loadMatchTicketSigningKey,
  matchTicketJwks,
} from "../../../src/clients/match-tickets/match-ticket-signing-key.ts";

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "match-ticket-key-"));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function writeKeyFile(name: string, contents: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, contents, { mode: 0o600 });
  return path;
}

function ed25519Pem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

describe("loadMatchTicketSigningKey", () => {
  it("loads an Ed25519 PKCS#8 PEM file, the same key every time", async () => {
    const keyFile = await writeKeyFile("shared.pem", ed25519Pem());

    const first = await loadMatchTicketSigningKey({ keyFile });
    const second = await loadMatchTicketSigningKey({ keyFile });

    expect(first.origin).toBe("file");
    expect(first.key.privateKey.asymmetricKeyType).toBe("ed25519");
    expect(second.key.kid).toBe(first.key.kid);
    expect(second.key.publicJwk).toEqual(first.key.publicJwk);
  });

  it("generates a fresh key when no file is configured", async () => {
    const first = await loadMatchTicketSigningKey({ keyFile: undefined });
    const second = await loadMatchTicketSigningKey({ keyFile: undefined });

    expect(first.origin).toBe("generated");
    expect(second.key.kid).not.toBe(first.key.kid);
  });

  it("uses the RFC 7638 thumbprint as kid and publishes only the public half", async () => {
    const { key } = await loadMatchTicketSigningKey({ keyFile: undefined });

    expect(key.publicJwk).toEqual({
      kty: "OKP",
      crv: "Ed25519",
      x: expect.any(String),
      kid: key.kid,
      alg: "EdDSA",
      use: "sig",
    });
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: key.publicJwk.x }, "sha256"));
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(matchTicketJwks([key])).toEqual({ keys: [key.publicJwk] });
    expect(JSON.stringify(matchTicketJwks([key]))).not.toContain('"d"');
  });

  it.each([
    ["a missing file", async () => join(directory, "missing.pem"), /cannot read ".*missing\.pem": ENOENT/],
    [
      "a file without a PEM private key",
      () => writeKeyFile("garbage.pem", "not a key"),
      /must hold an Ed25519 private key in PKCS#8 PEM/,
    ],
    [
      "a P-256 key",
      () =>
        writeKeyFile(
          "p256.pem",
          generateKeyPairSync("ec", { namedCurve: "P-256" })
            .privateKey.export({ format: "pem", type: "pkcs8" })
            .toString(),
        ),
      /found a key of type ec$/,
    ],
    [
      "a corrupted PEM body",
      () => writeKeyFile("corrupt.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
      /must hold an Ed25519 private key/,
    ],
  ])("rejects %s naming MATCHMAKER_MATCH_TICKET_KEY_FILE", async (_case, makeFile, problem) => {
    const keyFile = await makeFile();

    const error = await loadMatchTicketSigningKey({ keyFile }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ key: "MATCHMAKER_MATCH_TICKET_KEY_FILE" });
    expect((error as Error).message).toMatch(/^MATCHMAKER_MATCH_TICKET_KEY_FILE: /);
    expect((error as Error).message).toMatch(problem);
  });
});
