import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import type { Clock } from "../../application/ports/clock.ts";
import {
  type MatchTicketCheck,
  MatchTicketVerificationError,
  type MatchTicketVerifier,
  type VerifiedMatchTicket,
} from "../../application/ports/match-ticket-verifier.ts";
import { MATCH_ID_CLAIM, MATCH_TICKET_ALGORITHM, MATCH_TICKET_TYPE, SERVER_ADDRESS_CLAIM, serverAudience } from "./match-ticket-jwt.ts";

/** Which keys and issuer {@link JwtMatchTicketVerifier} trusts. */
export interface JwtMatchTicketVerifierOptions {
  /** The same document game servers get, so both sides trust exactly the same keys. */
  readonly jwks: JSONWebKeySet;
  /** The expected `iss` claim. */
  readonly issuer: string;
  readonly clock: Clock;
  /** Accepted skew between the issuing and the verifying instance's clocks. Default 5 s. */
  readonly clockToleranceSeconds?: number;
}

const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
const REQUIRED_CLAIMS = ["iss", "sub", "aud", "jti", "iat", "exp", MATCH_ID_CLAIM, SERVER_ADDRESS_CLAIM];

/** Verifies match tickets minted by {@link JwtMatchTicketIssuer} against a JWKS. */
export class JwtMatchTicketVerifier implements MatchTicketVerifier {
  readonly #keys: ReturnType<typeof createLocalJWKSet>;
  readonly #issuer: string;
  readonly #clock: Clock;
  readonly #toleranceSeconds: number;

  constructor(options: JwtMatchTicketVerifierOptions) {
    this.#keys = createLocalJWKSet(options.jwks);
    this.#issuer = options.issuer;
    this.#clock = options.clock;
    this.#toleranceSeconds = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  }

  async verify(token: string): Promise<VerifiedMatchTicket> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        algorithms: [MATCH_TICKET_ALGORITHM],
        typ: MATCH_TICKET_TYPE,
        issuer: this.#issuer,
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: new Date(this.#clock.now()),
        clockTolerance: this.#toleranceSeconds,
      }));
    } catch (error) {
      throw verificationErrorFrom(error);
    }
    return this.#claimsOf(payload);
  }

  boundTo(ticket: VerifiedMatchTicket, serverId: string): boolean {
    return ticket.serverBinding === serverAudience(serverId);
  }

  #claimsOf(payload: JWTPayload): VerifiedMatchTicket {
    if (typeof payload.exp !== "number") {
      throw new MatchTicketVerificationError(
        "malformed",
        'not a well-formed match ticket: claim "exp" must be a number',
      );
    }
    const expiresAt = payload.exp * 1000;
    return {
      userId: stringClaim(payload, "sub"),
      serverBinding: stringClaim(payload, "aud"),
      ticketId: stringClaim(payload, "jti"),
      matchId: stringClaim(payload, MATCH_ID_CLAIM),
      serverAddress: stringClaim(payload, SERVER_ADDRESS_CLAIM),
      expiresAt,
      acceptedUntil: expiresAt + this.#toleranceSeconds * 1000,
    };
  }
}

/** Reads a claim that must be one non-empty string; an `aud` array fails too, as a ticket has one server. */
function stringClaim(payload: JWTPayload, claim: string): string {
  const value = payload[claim];
  if (typeof value !== "string" || value === "") {
    throw new MatchTicketVerificationError(
      "malformed",
      `not a well-formed match ticket: claim "${claim}" must be a non-empty string`,
    );
  }
  return value;
}

function verificationErrorFrom(error: unknown): unknown {
  if (!(error instanceof errors.JOSEError)) return error;
  const check = checkOf(error);
  return new MatchTicketVerificationError(check, describe(check, error), { cause: error });
}

function checkOf(error: errors.JOSEError): MatchTicketCheck {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JOSEAlgNotAllowed) return "algorithm";
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return "signature";
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "iss") return "issuer";
  return "malformed";
}

function describe(check: MatchTicketCheck, error: errors.JOSEError): string {
  switch (check) {
    case "expired":
      return "match ticket has expired";
    case "algorithm":
      return `match ticket is not signed with ${MATCH_TICKET_ALGORITHM}`;
    case "signature":
      return "match ticket signature does not verify with any trusted key";
    case "issuer":
      return "match ticket was issued by another issuer";
    case "malformed":
      return `not a well-formed match ticket: ${error.message}`;
  }
}
