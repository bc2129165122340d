/**
 * The check a rejected token failed. Transports answer all of them with UNAUTHENTICATED; the value
 * is for logs and metrics, so an operator can tell a misconfigured audience from expired tokens.
 */
export type AuthenticationCheck =
  | "missing"
  | "malformed"
  | "algorithm"
  | "signature"
  | "expired"
  | "not-yet-valid"
  | "issuer"
  | "audience"
  | "claims";

/**
 * The caller's credential was absent or not acceptable.
 *
 * The message says which check failed but never repeats the token (or any part of it), so the error
 * can be logged and returned to the client as is.
 */
export class AuthenticationError extends Error {
  override readonly name = "AuthenticationError";
  readonly check: AuthenticationCheck;

  constructor(check: AuthenticationCheck, reason: string, options?: ErrorOptions) {
    super(`token rejected (${check}): ${reason}`, options);
    this.check = check;
  }
}

/**
 * The identity provider's key set could not be fetched and no cached key fits the token.
 *
 * Kept apart from {@link AuthenticationError} because the caller did nothing wrong: transports
 * answer UNAVAILABLE so clients retry instead of asking the player to log in again.
 */
export class KeySourceUnavailableError extends Error {
  override readonly name = "KeySourceUnavailableError";

  constructor(endpoint: string, options?: ErrorOptions) {
    super(`the JWKS endpoint ${endpoint} could not be fetched and no cached key fits the token`, options);
  }
}
