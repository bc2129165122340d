/**
 * Asymmetric signature algorithms accepted from a PEM public key or a JWKS.
 *
 * An explicit allow-list rather than "whatever jose supports" so that `none`, HMAC and algorithms
 * nobody reviewed can never be selected by the token's own header.
 */
export const ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"] as const;

/** One of {@link ASYMMETRIC_ALGORITHMS}. */
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** The only algorithm accepted with a shared secret. */
export const SHARED_SECRET_ALGORITHM = "HS256";

/** Narrows a header or environment value to an accepted asymmetric algorithm. */
export function isAsymmetricAlgorithm(value: unknown): value is AsymmetricAlgorithm {
  return (ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(value);
}
