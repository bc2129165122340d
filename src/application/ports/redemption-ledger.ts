/**
 * Remembers which match tickets have been redeemed, so each is admitted at most once.
 *
 * The shape is that of Redis `SET key NX PXAT`: one atomic first-use check per ticket, with the
 * entry forgotten once the ticket can no longer be accepted anyway, so the ledger never grows
 * beyond the tickets currently alive. Every instance that redeems tickets must share one ledger.
 */
export interface RedemptionLedger {
  /**
   * Records `ticketId` as redeemed and returns true if it was not already; returns false for every
   * later call with the same id until the entry is forgotten, except one that carries the
   * non-empty `redemptionId` of the call that redeemed it: the retry of a call whose answer was
   * lost, which must not lock the player out.
   *
   * @param rememberUntil epoch milliseconds after which the entry may be dropped. Callers pass the
   *   last moment any verifier still accepts the ticket, so a forgotten ticket can never pass
   *   verification again.
   * @param redemptionId the caller's key for this admission attempt; empty when it sent none.
   */
  consume(ticketId: string, rememberUntil: number, redemptionId: string): Promise<boolean>;
}
