import { jwtVerify } from "jose";
import { systemClock, type Clock } from "../../application/ports/clock.ts";
import type { AuthConfig } from "./auth-config.ts";
import { AuthenticationError } from "./errors.ts";
import { createKeyResolution } from "./key-resolver.ts";
import { toVerificationFailure } from "./verification-failure.ts";
import { VerifiedTokenCache } from "./verified-token-cache.ts";
import { toVerifiedToken, type VerifiedToken } from "./verified-token.ts";

/** Checks bearer tokens. One instance per server: it owns the key and verified-token caches. */
export interface TokenVerifier {
  /**
   * Resolves with the token's facts, or rejects with an {@link AuthenticationError} (the token is
   * not acceptable) or a `KeySourceUnavailableError` (the IdP could not be reached).
   */
  verify(token: string): Promise<VerifiedToken>;
  /**
   * The token's facts if `verify` accepted it recently and it has not expired since (a cache hit),
   * else undefined. Synchronous, so that a client's repeated calls cost no promise.
   */
  recentlyVerified(token: string): VerifiedToken | undefined;
}

/** Options of {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  /** Drives `exp`/`nbf` checks, cache expiry and JWKS refresh timing; tests move it by hand. */
  readonly clock?: Clock;
}

/**
 * Tokens longer than this are refused before any lookup or parsing; real access tokens are a few
 * KiB at most, and the cap keeps a hostile header from costing more than a length check.
 */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** JWS compact serialization: base64url header, payload and (for `none`, empty) signature. */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** Builds the verifier for a configuration loaded with `loadAuthConfig`. */
export function createTokenVerifier(config: AuthConfig, options: TokenVerifierOptions = {}): TokenVerifier {
  const clock = options.clock ?? systemClock;
  const { algorithms, resolveKey } = createKeyResolution(config.keys, clock);
  const allowedAlgorithms = [...algorithms];
  const cache = new VerifiedTokenCache<VerifiedToken>(config.cacheMaxEntries);

  return {
    recentlyVerified(token) {
      return token.length > MAX_TOKEN_LENGTH ? undefined : cache.get(token, clock.now());
    },
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw notCompactJws();
      // A cached token passed the shape check when it was verified: only new ones need it.
      const cached = cache.get(token, clock.now());
      if (cached !== undefined) return cached;
      if (!COMPACT_JWS.test(token)) throw notCompactJws();
      let verified: VerifiedToken;
      try {
        const { payload } = await jwtVerify(token, resolveKey, {
          algorithms: allowedAlgorithms,
          issuer: config.issuer,
          audience: config.audience,
          clockTolerance: config.clockToleranceSeconds,
          currentDate: new Date(clock.now()),
        });
        verified = toVerifiedToken(payload);
      } catch (error) {
        throw toVerificationFailure(error);
      }
      cache.set(token, verified);
      return verified;
    },
  };
}

function notCompactJws(): AuthenticationError {
  return new AuthenticationError("malformed", "the token is not a compact JWS (header.payload.signature)");
}
