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
 * the set is stale (after {@link MAX_AGE_MS}, so keys removed by the IdP stop working) and when a
 * token with an unknown `kid` may trigger a refresh (key rotation). Refresh attempts, failed ones
 * included, happen at most once per {@link REFRESH_COOLDOWN_MS}, so neither forged `kid`s nor an IdP
 * outage turn every call into a request to the IdP; concurrent callers share one fetch.
 *
 * While the endpoint is unreachable, keys fetched before keep verifying tokens; a token no cached
 * key fits fails with {@link KeySourceUnavailableError}.
 */
export function createJwksKeySet(url: URL, clock: Clock): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, {
    cooldownDuration: Number.POSITIVE_INFINITY,
    cacheMaxAge: Number.POSITIVE_INFINITY,
    timeoutDuration: FETCH_TIMEOUT_MS,
  });
  const endpoint = `${url.origin}${url.pathname}`;
  /** Clock time of the last successful fetch. */
  let fetchedAt: number | undefined;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  /** Set while the latest attempt failed. */
  let failure: KeySourceUnavailableError | undefined;
  let refreshing: Promise<void> | undefined;

  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      attemptedAt = clock.now();
      try {
        await remote.reload();
        fetchedAt = clock.now();
        failure = undefined;
      } catch (cause) {
        failure = new KeySourceUnavailableError(endpoint, { cause });
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  /** Whether a caller may fetch now: one is already under way, or the cooldown has passed. */
  function mayRefresh(): boolean {
    return refreshing !== undefined || clock.now() - attemptedAt >= REFRESH_COOLDOWN_MS;
  }

  return async (header, token) => {
    const stale = fetchedAt === undefined || clock.now() - fetchedAt >= MAX_AGE_MS;
    if (stale && mayRefresh()) await refresh();
    if (remote.jwks() === undefined) throw failure ?? new KeySourceUnavailableError(endpoint);
    try {
      return await remote(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (!mayRefresh()) throw failure ?? error;
      await refresh();
      if (failure !== undefined) throw failure;
      return remote(header, token);
    }
  };
}
