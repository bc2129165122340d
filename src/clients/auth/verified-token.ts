import type { JWTPayload } from "jose";
import { AuthenticationError } from "./errors.ts";

/** The facts the matchmaker uses from a token whose signature and claims were checked. */
export interface VerifiedToken {
  /** The `sub` claim: a player's user id, a service's name or a game server's id. */
  readonly subject: string;
  /** Granted scopes, from the `scope` (space-separated) and `scp` claims together. */
  readonly scopes: ReadonlySet<string>;
  /** The `exp` claim, as epoch milliseconds. */
  readonly expiresAt: number;
}

/**
 * Extracts a {@link VerifiedToken} from a verified payload.
 *
 * IdPs disagree on how to carry scopes: OAuth 2 (RFC 8693) uses a space-separated `scope` string,
 * Okta and Azure AD use `scp` as an array or a string. Both are read so a studio's existing IdP
 * works unchanged; a claim of any other shape is refused rather than silently ignored.
 */
export function toVerifiedToken(payload: JWTPayload): VerifiedToken {
  const { sub, exp } = payload;
  if (typeof sub !== "string" || sub === "") {
    throw new AuthenticationError("claims", 'the "sub" claim must be a non-empty string');
  }
  if (typeof exp !== "number") throw new AuthenticationError("claims", 'the "exp" claim is required');
  return {
    subject: sub,
    scopes: new Set([...readScopes(payload, "scope"), ...readScopes(payload, "scp")]),
    expiresAt: exp * 1000,
  };
}

function readScopes(payload: JWTPayload, claim: "scope" | "scp"): readonly string[] {
  const value = payload[claim];
  if (value === undefined) return [];
  if (typeof value === "string") return value.split(/\s+/).filter((scope) => scope !== "");
  if (Array.isArray(value) && value.every((scope) => typeof scope === "string")) return value;
  throw new AuthenticationError("claims", `the "${claim}" claim must be a string or an array of strings`);
}
