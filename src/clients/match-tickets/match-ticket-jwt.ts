import { createHash } from "node:crypto";

/**
 * The wire format of a match ticket, shared by the issuer and the verifier and documented for game
 * servers that verify tickets offline.
 *
 * A ticket is a compact JWS with header `{ alg: "EdDSA", typ: "match-ticket+jwt", kid }` and the
 * registered claims `iss`, `sub` (user id), `aud` ({@link serverAudience} of the game server's id),
 * `jti`, `iat`, `exp`, plus the
 * custom claims below. The explicit `typ` keeps a match ticket from being mistaken for any other
 * JWT (RFC 8725, section 3.11).
 */

/** The only signature algorithm match tickets use: Ed25519 (RFC 8037). */
export const MATCH_TICKET_ALGORITHM = "EdDSA";

/** The `typ` header of every match ticket. */
export const MATCH_TICKET_TYPE = "match-ticket+jwt";

/** Custom claim: the match's id. */
export const MATCH_ID_CLAIM = "match_id";

/** Custom claim: the game server's public `host:port`, so a game server can tell it was meant for it. */
export const SERVER_ADDRESS_CLAIM = "server_address";

/**
 * The `aud` of a ticket for the game server `serverId`: `gs:` and the base64url SHA-256 of the id.
 * Players can read a JWT's claims, and a fleet's server names are internal; the digest binds the
 * ticket to one server without telling the player which. A game server verifying offline expects
 * the audience computed from its own id.
 */
export function serverAudience(serverId: string): string {
  return `gs:${createHash("sha256").update(serverId).digest("base64url")}`;
}
