import {
  MatchTicketVerificationError,
  type MatchTicketVerifier,
  type VerifiedMatchTicket,
} from "./ports/match-ticket-verifier.ts";
import type { RedemptionLedger } from "./ports/redemption-ledger.ts";

/** A game server presenting a player's match ticket. */
export interface RedeemMatchTicketRequest {
  /** The ticket as the player presented it. */
  readonly token: string;
  /** The calling game server's id, from its own authenticated credential (never from the request). */
  readonly serverId: string;
  /** The game server's key for this admission attempt, so that its retry is admitted again; empty when none. */
  readonly redemptionId: string;
}

/** Redeems a match ticket; see {@link createRedeemMatchTicket}. */
export type RedeemMatchTicket = (request: RedeemMatchTicketRequest) => Promise<VerifiedMatchTicket>;

/** Why a match ticket was not admitted. */
export type MatchTicketRejection =
  /** Not a genuine match ticket of this matchmaker (malformed, bad signature, wrong issuer...). */
  | "invalid"
  /** Genuine, but past its expiry. */
  | "expired"
  /** Genuine and alive, but issued for another game server than the caller. */
  | "wrong-server"
  /** Genuine and alive, but already redeemed once. */
  | "already-redeemed";

/** The ticket cannot be redeemed; `reason` says why, in terms a transport can map to a status. */
export class MatchTicketRejectedError extends Error {
  override readonly name = "MatchTicketRejectedError";
  readonly reason: MatchTicketRejection;

  constructor(reason: MatchTicketRejection, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * Builds the use case that admits a player to a game server: the ticket must be genuine, alive,
 * issued for this server, and never redeemed before.
 *
 * The server check comes before consumption so that a ticket shown to the wrong server by mistake
 * stays usable on the right one.
 */
export function createRedeemMatchTicket(deps: {
  readonly verifier: MatchTicketVerifier;
  readonly ledger: RedemptionLedger;
}): RedeemMatchTicket {
  return async ({ token, serverId, redemptionId }) => {
    const ticket = await verifyOrReject(deps.verifier, token);
    if (!deps.verifier.boundTo(ticket, serverId)) {
      throw new MatchTicketRejectedError(
        "wrong-server",
        `match ticket was issued for another game server than the caller "${serverId}"`,
      );
    }
    if (!(await deps.ledger.consume(ticket.ticketId, ticket.acceptedUntil, redemptionId))) {
      throw new MatchTicketRejectedError(
        "already-redeemed",
        `match ticket ${ticket.ticketId} has already been redeemed`,
      );
    }
    return ticket;
  };
}

async function verifyOrReject(verifier: MatchTicketVerifier, token: string): Promise<VerifiedMatchTicket> {
  try {
    return await verifier.verify(token);
  } catch (error) {
    if (!(error instanceof MatchTicketVerificationError)) throw error;
    const reason = error.check === "expired" ? "expired" : "invalid";
    throw new MatchTicketRejectedError(reason, error.message, { cause: error });
  }
}
