import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  MatchTicketRejectedError,
  type MatchTicketRejection,
  type RedeemMatchTicket,
} from "../application/redeem-match-ticket.ts";
import { failedCall } from "./connect-errors.ts";
import { LIMITS, optionalText } from "./request-fields.ts";
import type { Logger } from "../application/ports/logger.ts";
import { MatchTicketService } from "../gen/gameserver/v1/match_ticket_pb.js";

/** A game server, as established from its own credential. */
export interface AuthenticatedGameServer {
  readonly serverId: string;
}

/**
 * Establishes which game server is calling from the `authorization` header (null when absent).
 *
 * Throws when the credential is missing, invalid or lacks the game-server scope: a
 * {@link ConnectError} is passed to the caller as is (for example UNAVAILABLE when keys cannot be
 * fetched), any other error becomes UNAUTHENTICATED.
 */
export type AuthenticateGameServer = (authorizationHeader: string | null) => Promise<AuthenticatedGameServer>;

/** What the MatchTicketService handlers need. */
export interface MatchTicketServiceDeps {
  readonly logger: Logger;
  readonly redeem: RedeemMatchTicket;
  readonly authenticateGameServer: AuthenticateGameServer;
}

/** Real tickets are well under 2 KiB; anything far larger is refused before any decoding. */
const MAX_MATCH_TICKET_LENGTH = 4096;

const statusOfRejection: Readonly<Record<MatchTicketRejection, Code>> = {
  invalid: Code.InvalidArgument,
  "wrong-server": Code.PermissionDenied,
  expired: Code.FailedPrecondition,
  "already-redeemed": Code.FailedPrecondition,
};

/**
 * The gameserver.v1.MatchTicketService implementation. It authenticates the game server first, so
 * that the server id a ticket is checked against always comes from a credential and never from the
 * request, then maps the use case's typed rejections to the status codes documented in the proto.
 */
export function createMatchTicketServiceImpl(deps: MatchTicketServiceDeps): ServiceImpl<typeof MatchTicketService> {
  return {
    async redeemMatchTicket(request, context) {
      const { serverId } = await authenticate(deps.authenticateGameServer, context.requestHeader.get("authorization"));
      if (request.matchTicket === "") {
        throw new ConnectError("match_ticket: must not be empty", Code.InvalidArgument);
      }
      if (request.matchTicket.length > MAX_MATCH_TICKET_LENGTH) {
        throw new ConnectError(
          `match_ticket: must be at most ${MAX_MATCH_TICKET_LENGTH} characters`,
          Code.InvalidArgument,
        );
      }
      try {
        const redemptionId = optionalText(request.redemptionId, "redemption_id", LIMITS.idLength);
        const ticket = await deps.redeem({ token: request.matchTicket, serverId, redemptionId });
        return { userId: ticket.userId, matchId: ticket.matchId, expiresAt: timestampFromMs(ticket.expiresAt) };
      } catch (error) {
        if (error instanceof MatchTicketRejectedError) {
          // A ticket that is not one is a malformed field; the others are about the ticket's state.
          const message = error.reason === "invalid" ? `match_ticket: ${error.message}` : error.message;
          throw new ConnectError(message, statusOfRejection[error.reason]);
        }
        // Store outages become UNAVAILABLE (retryable); anything else is logged and stays internal.
        throw failedCall(error, "RedeemMatchTicket", deps.logger, "match ticket redemption failed");
      }
    },
  };
}

/** Mounts the service on a Connect router (served over gRPC, gRPC-Web and Connect alike). */
export function registerMatchTicketService(router: ConnectRouter, impl: ServiceImpl<typeof MatchTicketService>): void {
  router.service(MatchTicketService, impl);
}

async function authenticate(
  authenticateGameServer: AuthenticateGameServer,
  authorizationHeader: string | null,
): Promise<AuthenticatedGameServer> {
  try {
    return await authenticateGameServer(authorizationHeader);
  } catch (error) {
    if (error instanceof ConnectError) throw error;
    throw new ConnectError(
      "game-server credential is missing or invalid",
      Code.Unauthenticated,
      undefined,
      undefined,
      error,
    );
  }
}
