import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Clock } from "../../application/ports/clock.ts";
import type {
  IssuedMatchTicket,
  MatchTicketClaims,
  MatchTicketIssuer,
} from "../../application/ports/match-ticket-issuer.ts";
import {
  MATCH_ID_CLAIM,
  MATCH_TICKET_ALGORITHM,
  MATCH_TICKET_TYPE,
  SERVER_ADDRESS_CLAIM,
  serverAudience,
} from "./match-ticket-jwt.ts";
import type { MatchTicketSigningKey } from "./match-ticket-signing-key.ts";

/** What {@link JwtMatchTicketIssuer} signs with and how long its tickets live. */
export interface JwtMatchTicketIssuerOptions {
  readonly key: MatchTicketSigningKey;
  /** The `iss` claim, as in `MatchTicketConfig.issuer`. */
  readonly issuer: string;
  readonly ttlSeconds: number;
  readonly clock: Clock;
}

/**
 * Mints match tickets as Ed25519-signed JWTs, so game servers can check them offline with the
 * public JWKS while only the matchmaker can mint them.
 *
 * The audience is derived from the game server's id, binding the ticket to the one server
 * allocated for the match without revealing the server's internal name to the player; the random `jti` is what redemption enforces single use on.
 */
export class JwtMatchTicketIssuer implements MatchTicketIssuer {
  readonly #options: JwtMatchTicketIssuerOptions;

  constructor(options: JwtMatchTicketIssuerOptions) {
    this.#options = options;
  }

  async issue(claims: MatchTicketClaims): Promise<IssuedMatchTicket> {
    const { key, issuer, ttlSeconds, clock } = this.#options;
    const issuedAt = Math.floor(clock.now() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const token = await new SignJWT({
      [MATCH_ID_CLAIM]: claims.matchId,
      [SERVER_ADDRESS_CLAIM]: claims.serverAddress,
    })
      .setProtectedHeader({ alg: MATCH_TICKET_ALGORITHM, typ: MATCH_TICKET_TYPE, kid: key.kid })
      .setIssuer(issuer)
      .setSubject(claims.userId)
      .setAudience(serverAudience(claims.serverId))
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(key.privateKey);
    return { token, expiresAt: expiresAt * 1000 };
  }
}
