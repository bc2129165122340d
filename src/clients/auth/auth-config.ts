import type { KeyObject } from "node:crypto";
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from "./algorithms.ts";
import { DEFAULT_DEV_SECRET_FILE, loadOrCreateDevSecret, VARIABLE as DEV_SECRET_FILE } from "./dev-secret.ts";
import { ConfigError } from "../../config/config-error.ts";
import { type Environment, integer, oneOf, optionalSecret, optionalText, optionalUrl } from "../../config/env.ts";
import { ALGORITHM_VARIABLE as PUBLIC_KEY_ALG, FILE_VARIABLE as PUBLIC_KEY_FILE, readPublicKeyFile } from "./public-key-file.ts";
import { parseSharedSecret } from "./shared-secret.ts";

/** Everything the token verifier needs, validated. Build it with {@link loadAuthConfig}. */
export interface AuthConfig {
  readonly keys: KeySources;
  /** Required `iss` claim, when set. */
  readonly issuer: string | undefined;
  /** Required `aud` claim entry, when set. */
  readonly audience: string | undefined;
  /** Leeway for `exp` and `nbf`, absorbing clock drift between the IdP and this host. */
  readonly clockToleranceSeconds: number;
  /** Bound of the verified-token cache; 0 turns caching off. */
  readonly cacheMaxEntries: number;
  /**
   * Set when no key source was configured and a local development secret was used instead, so the
   * server can log loudly that it runs in development mode.
   */
  readonly developmentSecretFile: string | undefined;
}

/**
 * Where verification keys come from. Several may be set at once; each token's `alg` header picks
 * the source, so a studio can move from a shared secret to its IdP without a flag day.
 */
export interface KeySources {
  /** JWKS endpoint of the identity provider; keys are selected by the token's `kid`. */
  readonly jwksUrl: URL | undefined;
  /** A single public key, for IdPs without a JWKS endpoint or self-issued service tokens. */
  readonly publicKey: PublicKeySource | undefined;
  /** HS256 secret shared with whatever mints the tokens. */
  readonly sharedSecret: Uint8Array | undefined;
}

/** A PEM public key and the one algorithm it verifies. */
export interface PublicKeySource {
  readonly key: KeyObject;
  readonly algorithm: AsymmetricAlgorithm;
}

/** Options of {@link loadAuthConfig}. */
export interface LoadAuthConfigOptions {
  /**
   * Whether a missing key source may fall back to a local development secret. Production passes
   * false so that a forgotten variable stops the server instead of opening it.
   */
  readonly development: boolean;
}

const JWKS_URL = "MATCHMAKER_AUTH_JWKS_URL";
const HS256_SECRET = "MATCHMAKER_AUTH_HS256_SECRET";
const ISSUER = "MATCHMAKER_AUTH_ISSUER";
const AUDIENCE = "MATCHMAKER_AUTH_AUDIENCE";
const CLOCK_SKEW_SECONDS = "MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS";
const CACHE_MAX_ENTRIES = "MATCHMAKER_AUTH_CACHE_MAX_ENTRIES";

const DEFAULT_PUBLIC_KEY_ALG: AsymmetricAlgorithm = "RS256";
const DEFAULT_CLOCK_SKEW_SECONDS = 30;
const MAX_CLOCK_SKEW_SECONDS = 300;
const DEFAULT_CACHE_MAX_ENTRIES = 10_000;
const MAX_CACHE_MAX_ENTRIES = 1_000_000;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Reads and validates the authentication settings from the environment.
 *
 * Fails fast with a {@link ConfigError} naming the variable rather than starting a server that
 * rejects every token, or worse, accepts tokens it should not. Empty variables count as unset.
 */
export function loadAuthConfig(env: Environment, options: LoadAuthConfigOptions): AuthConfig {
  const configured: KeySources = {
    jwksUrl: readJwksUrl(env),
    publicKey: readPublicKey(env),
    sharedSecret: readSharedSecret(env),
  };
  const noneConfigured =
    configured.jwksUrl === undefined && configured.publicKey === undefined && configured.sharedSecret === undefined;
  let keys = configured;
  let developmentSecretFile: string | undefined;
  if (noneConfigured) {
    if (!options.development) {
      throw new ConfigError(
        [JWKS_URL, PUBLIC_KEY_FILE, HS256_SECRET].join(", "),
        "no token key is configured; set at least one of them (outside development mode every call must be authenticated)",
      );
    }
    developmentSecretFile = optionalText(env, DEV_SECRET_FILE) ?? DEFAULT_DEV_SECRET_FILE;
    keys = { ...configured, sharedSecret: loadOrCreateDevSecret(developmentSecretFile) };
  }
  return {
    keys,
    issuer: optionalText(env, ISSUER),
    audience: optionalText(env, AUDIENCE),
    clockToleranceSeconds: readCount(env, CLOCK_SKEW_SECONDS, DEFAULT_CLOCK_SKEW_SECONDS, MAX_CLOCK_SKEW_SECONDS),
    cacheMaxEntries: readCount(env, CACHE_MAX_ENTRIES, DEFAULT_CACHE_MAX_ENTRIES, MAX_CACHE_MAX_ENTRIES),
    developmentSecretFile,
  };
}

/** Key material travels in the clear over plain HTTP, so only a loopback IdP may use it. */
function readJwksUrl(env: Environment): URL | undefined {
  const url = optionalUrl(env, JWKS_URL);
  if (url === undefined) return undefined;
  const secure = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) throw new ConfigError(JWKS_URL, `"${url.href}" must use https (plain http is only allowed for localhost)`);
  return url;
}

function readPublicKey(env: Environment): PublicKeySource | undefined {
  const file = optionalText(env, PUBLIC_KEY_FILE);
  if (file === undefined) {
    if (optionalText(env, PUBLIC_KEY_ALG) !== undefined) throw new ConfigError(PUBLIC_KEY_ALG, `is set but ${PUBLIC_KEY_FILE} is not`);
    return undefined;
  }
  const algorithm = oneOf(env, PUBLIC_KEY_ALG, DEFAULT_PUBLIC_KEY_ALG, ASYMMETRIC_ALGORITHMS);
  return { key: readPublicKeyFile(file, algorithm), algorithm };
}

function readSharedSecret(env: Environment): Uint8Array | undefined {
  const value = optionalSecret(env, HS256_SECRET);
  return value === undefined ? undefined : parseSharedSecret(value, HS256_SECRET, "the value");
}

/** A count from 0 to `max`: 0 is meaningful for both (no leeway, no cache). */
function readCount(env: Environment, name: string, fallback: number, max: number): number {
  return integer(env, name, { fallback, min: 0, max, expected: `a whole number from 0 to ${max}` });
}
