import { Code, ConnectError } from "@connectrpc/connect";
import { callerFromToken, parseBearerToken } from "./clients/auth/bearer.ts";
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
 */
export function tokenAuthentication(verifier: TokenVerifier): TokenAuthentication {
  const verify = async (authorization: string | null): Promise<VerifiedToken> => {
    try {
      return await verifier.verify(parseBearerToken(authorization));
    } catch (error) {
      if (error instanceof AuthenticationError) throw new ConnectError(error.message, Code.Unauthenticated);
      if (error instanceof KeySourceUnavailableError) throw new ConnectError(error.message, Code.Unavailable);
      throw error;
    }
  };
  return {
    async caller(authorization) {
      const token = await verify(authorization);
      if (token.scopes.has(GAME_SERVER_SCOPE) && !token.scopes.has(SERVICE_SCOPE)) {
        throw new ConnectError("a game-server credential cannot call MatchmakingService", Code.PermissionDenied);
      }
      return callerFromToken(token);
    },
    async gameServer(authorization) {
      const token = await verify(authorization);
      if (!token.scopes.has(GAME_SERVER_SCOPE)) {
        throw new ConnectError(`the credential lacks the "${GAME_SERVER_SCOPE}" scope`, Code.PermissionDenied);
      }
      return { serverId: token.subject };
    },
  };
}
