import type { Caller } from "../../application/caller.ts";
import { AuthenticationError } from "./errors.ts";
import { SERVICE_SCOPE } from "./scopes.ts";
import type { VerifiedToken } from "./verified-token.ts";

/** `Bearer <token>` (RFC 6750 §2.1); the scheme is case-insensitive, per RFC 9110 §11.1. */
const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Extracts the token from an `Authorization` header value.
 *
 * Throws `missing` when there is no header (the client did not try) and `malformed` when there is
 * one that is not a bearer credential, so logs tell an unconfigured client from a broken one.
 */
export function parseBearerToken(authorization: string | null | undefined): string {
  if (authorization === null || authorization === undefined || authorization.trim() === "") {
    throw new AuthenticationError("missing", 'no "authorization" header; send "Bearer <token>"');
  }
  const token = bearerToken(authorization);
  if (token === undefined) {
    throw new AuthenticationError("malformed", 'the "authorization" header is not of the form "Bearer <token>"');
  }
  return token;
}

/** The token of an `Authorization` header, or undefined when it holds none (for why, {@link parseBearerToken}). */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  return authorization === null || authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
}

/**
 * Maps a verified token to the caller the use cases authorize against: a token granted
 * `matchmaker:service` acts as a backend service, any other as the player named by its subject.
 */
export function callerFromToken(token: VerifiedToken): Caller {
  return token.scopes.has(SERVICE_SCOPE)
    ? { kind: "service", subject: token.subject }
    : { kind: "player", userId: token.subject };
}
