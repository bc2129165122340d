import { ConfigError } from "../../config/config-error.ts";

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
const MIN_SHARED_SECRET_BYTES = 32;

/**
 * Turns configured secret text into HS256 key bytes (its UTF-8 encoding), refusing short secrets.
 *
 * One function for the environment variable and the development file so that a secret copied from
 * one to the other means the same key.
 *
 * @param origin Where the text came from, for the error message (e.g. `the value`, a file name).
 */
export function parseSharedSecret(text: string, variable: string, origin: string): Uint8Array {
  const secret = new TextEncoder().encode(text);
  if (secret.byteLength < MIN_SHARED_SECRET_BYTES) {
    throw new ConfigError(
      variable,
      `${origin} is ${secret.byteLength} bytes long, an HS256 secret needs at least ${MIN_SHARED_SECRET_BYTES}`,
    );
  }
  return secret;
}
