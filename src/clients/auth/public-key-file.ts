import { createPublicKey, type KeyObject } from "node:crypto";
import type { AsymmetricAlgorithm } from "./algorithms.ts";
import { ConfigError } from "../../config/config-error.ts";
import { readSettingFile } from "../../config/setting-file.ts";
import { errorMessage } from "../../shared/error-message.ts";

/** The variables naming the key file and its algorithm, for error messages here and in auth-config.ts. */
export const FILE_VARIABLE = "MATCHMAKER_AUTH_PUBLIC_KEY_FILE";
export const ALGORITHM_VARIABLE = "MATCHMAKER_AUTH_PUBLIC_KEY_ALG";
const SPKI_PEM_LABEL = "-----BEGIN PUBLIC KEY-----";
/** Below this an RSA signature is forgeable in practice; jose enforces the same floor. */
const MIN_RSA_MODULUS_BITS = 2048;

/**
 * Reads a PEM (SPKI) public key and checks that it can verify `algorithm`.
 *
 * Runs synchronously at startup so that a wrong file, a private key or a key of the wrong type
 * stops the server with a message naming the variable, instead of failing every request later.
 * Private keys are refused even though a public key could be derived from them: the matchmaker
 * must never hold the IdP's signing key.
 */
export function readPublicKeyFile(filePath: string, algorithm: AsymmetricAlgorithm): KeyObject {
  const pem = readSettingFile(FILE_VARIABLE, filePath);
  if (!pem.includes(SPKI_PEM_LABEL)) {
    throw new ConfigError(FILE_VARIABLE, `"${filePath}" is not a PEM public key (expected a "${SPKI_PEM_LABEL}" block)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new ConfigError(FILE_VARIABLE, `"${filePath}" holds no valid public key: ${errorMessage(error)}`);
  }
  const mismatch = algorithmMismatch(key, algorithm);
  if (mismatch !== undefined) {
    throw new ConfigError(`${FILE_VARIABLE}, ${ALGORITHM_VARIABLE}`, `the key in "${filePath}" cannot verify ${algorithm}: ${mismatch}`);
  }
  return key;
}

/** Why `key` cannot verify `algorithm`, or undefined when it can. */
function algorithmMismatch(key: KeyObject, algorithm: AsymmetricAlgorithm): string | undefined {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (algorithm) {
    case "RS256":
    case "RS384":
    case "RS512":
    case "PS256": {
      const types = algorithm === "PS256" ? ["rsa", "rsa-pss"] : ["rsa"];
      if (type === undefined || !types.includes(type)) return `it is a ${String(type)} key, not RSA`;
      const bits = details.modulusLength ?? 0;
      return bits < MIN_RSA_MODULUS_BITS ? `the RSA modulus has ${bits} bits, at least ${MIN_RSA_MODULUS_BITS} are required` : undefined;
    }
    case "ES256":
    case "ES384": {
      const curve = algorithm === "ES256" ? "prime256v1" : "secp384r1";
      if (type !== "ec") return `it is a ${String(type)} key, not EC`;
      return details.namedCurve === curve ? undefined : `its curve is ${String(details.namedCurve)}, ${algorithm} needs ${curve}`;
    }
    case "EdDSA":
      return type === "ed25519" ? undefined : `it is a ${String(type)} key, EdDSA needs Ed25519`;
  }
}

