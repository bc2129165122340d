import { errors } from "jose";
import { AuthenticationError, KeySourceUnavailableError } from "./errors.ts";

/**
 * Translates whatever `jwtVerify` threw into this module's errors.
 *
 * Messages are written here rather than passed through: jose's claim errors carry the token's
 * payload, which must not end up in logs or responses. Anything unrecognised fails closed as a
 * signature failure, keeping the original only as `cause` for debugging.
 */
export function toVerificationFailure(error: unknown): AuthenticationError | KeySourceUnavailableError {
  if (error instanceof AuthenticationError || error instanceof KeySourceUnavailableError) return error;
  if (error instanceof errors.JWTExpired) return new AuthenticationError("expired", "the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) return claimFailure(error.claim);
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthenticationError("algorithm", "the token's signing algorithm is not accepted");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthenticationError("signature", "the signature does not match the configured key");
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError("signature", "no single key of the JWKS matches the token's key id");
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new AuthenticationError("malformed", "the token is not a well-formed signed JWT");
  }
  if (error instanceof errors.JOSENotSupported) {
    return new AuthenticationError("malformed", "the token uses a JOSE feature this server does not support");
  }
  return new AuthenticationError("signature", "the token could not be verified", { cause: error });
}

function claimFailure(claim: string): AuthenticationError {
  switch (claim) {
    case "nbf":
      return new AuthenticationError("not-yet-valid", 'the token is not valid yet ("nbf" is in the future)');
    case "iss":
      return new AuthenticationError("issuer", 'the "iss" claim is not the configured issuer');
    case "aud":
      return new AuthenticationError("audience", 'the "aud" claim does not include the configured audience');
    default:
      return new AuthenticationError("claims", `the "${claim}" claim is invalid`);
  }
}
