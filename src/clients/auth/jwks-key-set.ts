import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from "jose";
import type { Clock } from "../../application/ports/clock.ts";
import { KeySourceUnavailableError } from "./errors.ts";

/**
 * After a successful fetch, how long a token with an unknown `kid` waits before it may trigger
 * another one. Bounds what a flood of forged `kid`s can make us send to the IdP.
 */
const REFRESH_COOLDOWN_MS = 30_000;
/** How long a fetched key set is used before it is fetched again, so removed keys stop working. */
const MAX_AGE_MS = 10 * 60_000;
/** A JWKS request slower than this fails the verification (UNAVAILABLE) instead of hanging calls. */
const FETCH_TIMEOUT_MS = 5_000;

/**
 * A key resolver for `jwtVerify` backed by the identity provider's JWKS endpoint.
 *
 * jose's remote key set does the fetching, parsing and key selection, but it times its cache with
 * the wall clock; here it is told never to refetch on its own, and the injected clock decides when
 * the set is stale (every {@link MAX_AGE_MS}) and when an unknown `kid` may trigger a refresh (key
 * rotation, at most once per {@link REFRESH_COOLDOWN_MS}). That keeps rotation behaviour testable
 * without sleeping. When the endpoint cannot be reached, keys already fetched keep verifying
 * tokens; only a token no cached key fits fails, with {@link KeySourceUnavailableError}.
 */
export function createJwksKeySet(url: URL, clock: Clock): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, {
    cooldownDuration: Number.POSITIVE_INFINITY,
    cacheMaxAge: Number.POSITIVE_INFINITY,
    timeoutDuration: FETCH_TIMEOUT_MS,
  });
  const endpoint = `${url.origin}${url.pathname}`;
  let fetchedAt: number | undefined;
  let refreshing: Promise<void> | undefined;

  /** Fetches the set once for all callers waiting at the same time. */
  function refresh(): Promise<void> {
    refreshing ??= remote
      .reload()
      .then(() => {
        fetchedAt = clock.now();
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  }

  return async (header, token) => {
    let refreshFailure: unknown;
    if (fetchedAt === undefined || clock.now() - fetchedAt >= MAX_AGE_MS) {
      refreshFailure = await refresh().then(
        () => undefined,
        (error: unknown) => error ?? new Error("JWKS fetch failed"),
      );
    }
    if (remote.jwks() === undefined) throw new KeySourceUnavailableError(endpoint, { cause: refreshFailure });
    try {
      return await remote(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (refreshFailure !== undefined) throw new KeySourceUnavailableError(endpoint, { cause: refreshFailure });
      if (fetchedAt !== undefined && clock.now() - fetchedAt < REFRESH_COOLDOWN_MS) throw error;
      await refresh().catch((cause: unknown) => {
        throw new KeySourceUnavailableError(endpoint, { cause });
      });
      return remote(header, token);
    }
  };
}
