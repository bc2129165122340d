import { randomUUID, sign } from "node:crypto";
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
 *
 * Signs synchronously with node:crypto (an Ed25519 signature is tens of microseconds) rather than
 * through WebCrypto, whose every signature is a thread-pool job: that round trip cost twice the CPU
 * and made each assignment wait for event-loop turns behind the rest of its matching pass
 * (BENCHMARKS.md, benchmark 4). The compact JWS is the one a JWT library would produce.
 */
export class JwtMatchTicketIssuer implements MatchTicketIssuer {
  readonly #options: JwtMatchTicketIssuerOptions;
  /** The encoded protected header, the same for every ticket of this key. */
  readonly #header: string;

  constructor(options: JwtMatchTicketIssuerOptions) {
    this.#options = options;
    this.#header = base64url(JSON.stringify({ alg: MATCH_TICKET_ALGORITHM, typ: MATCH_TICKET_TYPE, kid: options.key.kid }));
  }

  async issue(claims: MatchTicketClaims): Promise<IssuedMatchTicket> {
    const { key, issuer, ttlSeconds, clock } = this.#options;
    const issuedAt = Math.floor(clock.now() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const payload = base64url(
      JSON.stringify({
        [MATCH_ID_CLAIM]: claims.matchId,
        [SERVER_ADDRESS_CLAIM]: claims.serverAddress,
        iss: issuer,
        sub: claims.userId,
        aud: serverAudience(claims.serverId),
        jti: randomUUID(),
        iat: issuedAt,
        exp: expiresAt,
      }),
    );
    const signingInput = `${this.#header}.${payload}`;
    const signature = sign(null, Buffer.from(signingInput), key.privateKey).toString("base64url");
    return { token: `${signingInput}.${signature}`, expiresAt: expiresAt * 1000 };
  }
}

function base64url(json: string): string {
  return Buffer.from(json).toString("base64url");
}
