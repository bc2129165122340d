import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, type JSONWebKeySet, type JWK } from "jose";
import { ConfigError } from "../../config/config-error.ts";
import { readSettingFile } from "../../config/setting-file.ts";
import { MATCH_TICKET_ENV, type MatchTicketConfig } from "./match-ticket-config.ts";
import { MATCH_TICKET_ALGORITHM } from "./match-ticket-jwt.ts";

/** The key match tickets are signed with, and what game servers need to verify them. */
export interface MatchTicketSigningKey {
  /** RFC 7638 thumbprint of the public key; the `kid` of every ticket it signs. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The public half as published in the JWKS, with `kid`, `alg` and `use`. */
  readonly publicJwk: JWK;
}

/** Where the signing key came from, so start-up can warn about a generated one. */
export type MatchTicketKeyOrigin = "file" | "generated";

/**
 * Loads the signing key from `config.keyFile`, or generates one when it is unset.
 *
 * A generated key lives only as long as the process: tickets from another instance, or from before
 * a restart, stop verifying. Fine for development, wrong for a fleet.
 *
 * @throws ConfigError naming `MATCHMAKER_MATCH_TICKET_KEY_FILE` when the file cannot be
 *   read or does not hold an Ed25519 private key in PKCS#8 PEM.
 */
export async function loadMatchTicketSigningKey(
  config: Pick<MatchTicketConfig, "keyFile">,
): Promise<{ key: MatchTicketSigningKey; origin: MatchTicketKeyOrigin }> {
  if (config.keyFile === undefined) {
    return { key: await signingKeyFrom(generateKeyPairSync("ed25519").privateKey), origin: "generated" };
  }
  return { key: await signingKeyFrom(readPrivateKey(config.keyFile)), origin: "file" };
}

/**
 * The public JWKS document game servers fetch to verify tickets offline. Takes several keys so a
 * rotation can publish the next key before signing with it.
 */
export function matchTicketJwks(keys: readonly MatchTicketSigningKey[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

function readPrivateKey(path: string): KeyObject {
  const variable = MATCH_TICKET_ENV.keyFile;
  const pem = readSettingFile(variable, path);
  const mustBe = `"${path}" must hold an Ed25519 private key in PKCS#8 PEM ("BEGIN PRIVATE KEY")`;
  if (!pem.includes("-----BEGIN PRIVATE KEY-----")) throw new ConfigError(variable, mustBe);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new ConfigError(variable, mustBe, { cause: error });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new ConfigError(variable, `${mustBe}, found a key of type ${key.asymmetricKeyType ?? "unknown"}`);
  }
  return key;
}

async function signingKeyFrom(privateKey: KeyObject): Promise<MatchTicketSigningKey> {
  const { kty, crv, x } = createPublicKey(privateKey).export({ format: "jwk" });
  const kid = await calculateJwkThumbprint({ kty, crv, x }, "sha256");
  return { kid, privateKey, publicJwk: { kty, crv, x, kid, alg: MATCH_TICKET_ALGORITHM, use: "sig" } };
}
