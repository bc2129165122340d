import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "../../config/config-error.ts";
import { readSettingFileIfExists } from "../../config/setting-file.ts";
import { parseSharedSecret } from "./shared-secret.ts";
import { isErrorCode } from "../../shared/error-code.ts";
import { errorMessage } from "../../shared/error-message.ts";

/** Where the development secret lives unless `MATCHMAKER_DEV_SECRET_FILE` says otherwise. */
export const DEFAULT_DEV_SECRET_FILE = ".matchmaker/dev-secret";

/** The variable naming the secret's file. */
export const VARIABLE = "MATCHMAKER_DEV_SECRET_FILE";
const RANDOM_BYTES = 32;

/**
 * Returns the development HS256 secret, creating it on first use.
 *
 * The secret is random per checkout rather than a constant in the source, so a server accidentally
 * started in development mode on a public host does not accept tokens anyone could mint. It is kept
 * in a file (mode 0600) so the server and `npm run token` agree across restarts. The file holds
 * base64url text and the secret is that text's bytes, exactly as if it had been given in
 * `MATCHMAKER_AUTH_HS256_SECRET`, so it can be copied there to share it with another process.
 */
export function loadOrCreateDevSecret(filePath: string): Uint8Array {
  const existing = readSecretFile(filePath);
  if (existing !== undefined) return existing;
  try {
    mkdirSync(dirname(filePath), { recursive: true, mode: 0o700 });
    writeFileSync(filePath, `${randomBytes(RANDOM_BYTES).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process (the server and the mint tool starting together) may have won the race.
    if (!isErrorCode(error, "EEXIST")) {
      throw new ConfigError(VARIABLE, `cannot create "${filePath}": ${errorMessage(error)}`);
    }
  }
  const created = readSecretFile(filePath);
  if (created === undefined) throw new ConfigError(VARIABLE, `"${filePath}" disappeared right after it was created`);
  return created;
}

/** The secret in `filePath`, or undefined when the file does not exist. */
function readSecretFile(filePath: string): Uint8Array | undefined {
  const text = readSettingFileIfExists(VARIABLE, filePath);
  if (text === undefined) return undefined;
  return parseSharedSecret(text.trim(), VARIABLE, `the secret in "${filePath}" (delete the file to generate a new one)`);
}
