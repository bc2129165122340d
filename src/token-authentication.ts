import { Code, ConnectError } from "@connectrpc/connect";
import type { Caller } from "./application/caller.ts";
import { bearerToken, callerFromToken, parseBearerToken } from "./clients/auth/bearer.ts";
import { AuthenticationError, KeySourceUnavailableError } from "./clients/auth/errors.ts";
import { GAME_SERVER_SCOPE, SERVICE_SCOPE } from "./clients/auth/scopes.ts";
import type { TokenVerifier } from "./clients/auth/token-verifier.ts";
import type { VerifiedToken } from "./clients/auth/verified-token.ts";
import type { Authenticate } from "./net/caller-context.ts";
import type { AuthenticateGameServer } from "./net/match-ticket-service.ts";

/** The two kinds of callers the matchmaker serves, authenticated from one verifier. */
export interface TokenAuthentication {
  /** Players and backend services (MatchmakingService). */
  readonly caller: Authenticate;
  /** Game servers redeeming match tickets (MatchTicketService). */
  readonly gameServer: AuthenticateGameServer;
}

/**
 * Bearer-token authentication for the RPC services. A game server's credential is good only for the
 * game-server service: without this check it would act as a player whose id is the server's.
 *
 * A backend sends one token with every call: the last header's token and the last token's caller
 * are remembered, so that a repeated call neither parses its header again nor builds a new caller,
 * and `caller.known` answers it at once from the verifier's cache.
 */
export function tokenAuthentication(verifier: TokenVerifier): TokenAuthentication {
  let lastHeader: string | undefined;
  let lastHeaderToken = "";
  /** The header's bearer token, or undefined when it has none (`parseBearerToken` says why). */
  const bearerTokenOf = (authorization: string | null): string | undefined => {
    if (authorization === lastHeader) return lastHeaderToken;
    const token = bearerToken(authorization);
    if (token !== undefined && authorization !== null) {
      lastHeader = authorization;
      lastHeaderToken = token;
    }
    return token;
  };
  let lastVerified: VerifiedToken | undefined;
  let lastCaller: Caller | undefined;
  /** The caller a token stands for, or undefined for a game server's (refused by `caller`). */
  const callerOf = (token: VerifiedToken): Caller | undefined => {
    if (token === lastVerified) return lastCaller;
    if (token.scopes.has(GAME_SERVER_SCOPE) && !token.scopes.has(SERVICE_SCOPE)) return undefined;
    lastCaller = callerFromToken(token);
    lastVerified = token;
    return lastCaller;
  };
  const verify = async (authorization: string | null): Promise<VerifiedToken> => {
    try {
      return await verifier.verify(bearerTokenOf(authorization) ?? parseBearerToken(authorization));
    } catch (error) {
      if (error instanceof AuthenticationError) throw new ConnectError(error.message, Code.Unauthenticated);
      if (error instanceof KeySourceUnavailableError) throw new ConnectError(error.message, Code.Unavailable);
      throw error;
    }
  };
  const caller = async (authorization: string | null): Promise<Caller> => {
    const authenticated = callerOf(await verify(authorization));
    if (authenticated === undefined) throw new ConnectError("a game-server credential is good only for MatchTicketService (redeeming match tickets)", Code.PermissionDenied);
    return authenticated;
  };
  const known = (authorization: string | null): Caller | undefined => {
    const token = bearerTokenOf(authorization);
    const verified = token === undefined ? undefined : verifier.recentlyVerified(token);
    return verified === undefined ? undefined : callerOf(verified);
  };
  return {
    caller: Object.assign(caller, { known }),
    async gameServer(authorization) {
      const token = await verify(authorization);
      if (!token.scopes.has(GAME_SERVER_SCOPE)) {
        throw new ConnectError(`the credential lacks the "${GAME_SERVER_SCOPE}" scope`, Code.PermissionDenied);
      }
      return { serverId: token.subject };
    },
  };
}
