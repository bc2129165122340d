/** What a match ticket binds together: one player, one match, one server. */
export interface MatchTicketClaims {
  readonly userId: string;
  readonly matchId: string;
  /** The server's public `host:port`. */
  readonly serverAddress: string;
  /** The fleet's internal id of the server, so only that server can redeem the ticket. */
  readonly serverId: string;
}

/** A minted credential and when the game server stops accepting it. */
export interface IssuedMatchTicket {
  readonly token: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/**
 * Mints the short-lived, single-use credential a player presents to their game server, so that a
 * server admits only the players the matchmaker sent to it.
 */
export interface MatchTicketIssuer {
  issue(claims: MatchTicketClaims): Promise<IssuedMatchTicket>;
}
