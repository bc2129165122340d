import type { JWTVerifyGetKey } from "jose";
import type { Clock } from "../../application/ports/clock.ts";
import { ASYMMETRIC_ALGORITHMS, SHARED_SECRET_ALGORITHM, isAsymmetricAlgorithm } from "./algorithms.ts";
import type { KeySources } from "./auth-config.ts";
import { AuthenticationError } from "./errors.ts";
import { createJwksKeySet } from "./jwks-key-set.ts";

/** The configured key sources, as the algorithm allow-list and key resolver `jwtVerify` takes. */
export interface KeyResolution {
  /** Every algorithm some configured source verifies; jose rejects the rest before resolving keys. */
  readonly algorithms: readonly string[];
  readonly resolveKey: JWTVerifyGetKey;
}

/**
 * Routes each token to the one key source that may verify it, by its `alg` header.
 *
 * Pairing each source with its own algorithms is what defeats algorithm confusion: an HS256 token is
 * only ever checked against the shared secret, never with a public key's bytes as HMAC key, and an
 * asymmetric token never against the secret. Between a PEM key and a JWKS that both accept the
 * algorithm, a token naming a `kid` goes to the JWKS (PEM keys have no id), any other to the PEM key.
 */
export function createKeyResolution(sources: KeySources, clock: Clock): KeyResolution {
  const { sharedSecret, publicKey, jwksUrl } = sources;
  const jwks = jwksUrl === undefined ? undefined : createJwksKeySet(jwksUrl, clock);
  const algorithms = new Set<string>();
  if (sharedSecret !== undefined) algorithms.add(SHARED_SECRET_ALGORITHM);
  if (publicKey !== undefined) algorithms.add(publicKey.algorithm);
  if (jwks !== undefined) for (const algorithm of ASYMMETRIC_ALGORITHMS) algorithms.add(algorithm);

  const resolveKey: JWTVerifyGetKey = async (header, token) => {
    const { alg, kid } = header;
    if (alg === SHARED_SECRET_ALGORITHM && sharedSecret !== undefined) return sharedSecret;
    if (publicKey !== undefined && alg === publicKey.algorithm && (jwks === undefined || kid === undefined)) {
      return publicKey.key;
    }
    if (jwks !== undefined && isAsymmetricAlgorithm(alg)) return jwks(header, token);
    throw new AuthenticationError("algorithm", `no configured key source accepts "${String(alg)}"`);
  };
  return { algorithms: [...algorithms], resolveKey };
}
