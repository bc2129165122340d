import type { MatchTicketClaims } from "./match-ticket-issuer.ts";

/** A match ticket whose signature, issuer and lifetime have been checked. */
export interface VerifiedMatchTicket extends Omit<MatchTicketClaims, "serverId"> {
  /** Identifies the game server the ticket is for, without naming it; see {@link MatchTicketVerifier.boundTo}. */
  readonly serverBinding: string;
  /** The ticket's unique id (`jti`): the key single use is enforced on. */
  readonly ticketId: string;
  /** When the ticket expires, epoch milliseconds, as issued. */
  readonly expiresAt: number;
  /**
   * When (epoch milliseconds) this verifier starts rejecting the ticket as expired: `expiresAt` plus
   * the clock tolerance it allows. Anything remembering a redemption must remember it at least this
   * long, or a replay inside the tolerance window would look like a first use.
   */
  readonly acceptedUntil: number;
}

/** Which check a rejected match ticket failed. */
export type MatchTicketCheck =
  /** Not a compact JWS, not a match ticket, or a required claim is missing or of the wrong type. */
  | "malformed"
  /** Signed with an algorithm other than the one match tickets use (for example `none` or HS256). */
  | "algorithm"
  /** The signature does not verify: tampered with, or signed by a key this verifier does not trust. */
  | "signature"
  /** Signed by a trusted key but issued for another issuer. */
  | "issuer"
  /** Past its expiry, beyond the clock tolerance. */
  | "expired";

/** A token is not a match ticket this matchmaker accepts; `check` says why. */
export class MatchTicketVerificationError extends Error {
  override readonly name = "MatchTicketVerificationError";
  readonly check: MatchTicketCheck;

  constructor(check: MatchTicketCheck, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.check = check;
  }
}

/**
 * Checks a match ticket's authenticity and lifetime without consuming it.
 *
 * Kept separate from single-use enforcement so the same check serves redemption, diagnostics and
 * game servers verifying offline, while only redemption touches shared state.
 */
export interface MatchTicketVerifier {
  /** Returns the ticket's claims, or throws {@link MatchTicketVerificationError}. */
  verify(token: string): Promise<VerifiedMatchTicket>;
  /** Whether a verified ticket was issued for the game server `serverId`. */
  boundTo(ticket: VerifiedMatchTicket, serverId: string): boolean;
}
