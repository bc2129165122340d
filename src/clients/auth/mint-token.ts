import { SignJWT } from "jose";
import { systemClock, type Clock } from "../../application/ports/clock.ts";
import { SHARED_SECRET_ALGORITHM } from "./algorithms.ts";
import { GAME_SERVER_SCOPE, SERVICE_SCOPE } from "./scopes.ts";

/** Who a minted token speaks for; decides the scope it is granted. */
export type TokenRole = "player" | "service" | "gameserver";

/** The roles, for command-line validation. */
export const TOKEN_ROLES: readonly TokenRole[] = ["player", "service", "gameserver"];

const ROLE_SCOPES: Readonly<Record<TokenRole, string | undefined>> = {
  player: undefined,
  service: SERVICE_SCOPE,
  gameserver: GAME_SERVER_SCOPE,
};

/** Options of {@link mintToken}. */
export interface MintTokenOptions {
  readonly role: TokenRole;
  /** Player user id, service name or game server id. */
  readonly subject: string;
  /** HS256 key: the shared secret the verifier is configured with. */
  readonly secret: Uint8Array;
  /** Lifetime; one hour unless set. */
  readonly ttlSeconds?: number;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  /** Sets `iat` and `exp`; inject the verifier's clock in tests. */
  readonly clock?: Clock;
}

const DEFAULT_TTL_SECONDS = 3600;

/**
 * Signs an HS256 token the verifier accepts when configured with the same secret.
 *
 * For development and tests only: in production tokens come from the studio's identity provider.
 * Kept next to the verifier so both agree on claim names and scopes.
 */
export async function mintToken(options: MintTokenOptions): Promise<string> {
  const issuedAt = Math.floor((options.clock ?? systemClock).now() / 1000);
  const scope = ROLE_SCOPES[options.role];
  const jwt = new SignJWT(scope === undefined ? {} : { scope })
    .setProtectedHeader({ alg: SHARED_SECRET_ALGORITHM, typ: "JWT" })
    .setSubject(options.subject)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? DEFAULT_TTL_SECONDS));
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(options.secret);
}
