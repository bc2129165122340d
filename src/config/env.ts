import { ConfigError } from "./config-error.ts";

/** Environment variables as `process.env` holds them; tests pass plain objects. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The trimmed value, or undefined when the variable is unset or blank.
 *
 * Blank counts as unset because deployment templates often render an unused variable as `""`;
 * treating that as a value would turn "use the default" into a confusing error.
 */
export function optionalText(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** {@link optionalText} with a default. */
export function text(env: Environment, name: string, fallback: string): string {
  return optionalText(env, name) ?? fallback;
}

/**
 * The value exactly as set, or undefined when unset or empty. For secrets: their whitespace is part
 * of the key, and trimming it would silently change which tokens verify.
 */
export function optionalSecret(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** The accepted range of an integer variable, and its value when unset. */
export interface IntegerSetting {
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
  /**
   * What the value must be, for the error message (`must be <expected>, got "<value>"`), for
   * example `a whole number of seconds from 5 to 600`. Without it the message says "whole number"
   * or the range, whichever check failed.
   */
  readonly expected?: string;
}

/**
 * A whole number in decimal digits within a range. Only digits are accepted: `Number()` alone would
 * also take `0x10`, `1e3` and `1.5`, which in a port or a timeout are typos rather than intent.
 */
export function integer(env: Environment, name: string, setting: IntegerSetting): number {
  const value = optionalText(env, name);
  if (value === undefined) return setting.fallback;
  const { min, max, expected } = setting;
  const whole = /^\d+$/.test(value);
  const parsed = Number(value);
  const inRange = whole && parsed >= min && parsed <= max;
  if (inRange) return parsed;
  if (expected !== undefined) throw new ConfigError(name, `must be ${expected}, got "${value}"`);
  if (!whole) throw new ConfigError(name, `must be a whole number, got "${value}"`);
  throw new ConfigError(name, `must be between ${min} and ${max}, got ${parsed}`);
}

/** {@link integer} for a setting that is off unless set. */
export function optionalInteger(env: Environment, name: string, setting: Omit<IntegerSetting, "fallback">): number | undefined {
  return optionalText(env, name) === undefined ? undefined : integer(env, name, { ...setting, fallback: setting.min });
}

/** One of a fixed set of words; the message lists them so the operator need not look them up. */
export function oneOf<Allowed extends string>(
  env: Environment,
  name: string,
  fallback: NoInfer<Allowed>,
  allowed: readonly Allowed[],
): Allowed {
  const value = optionalText(env, name) ?? fallback;
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new ConfigError(name, `must be one of ${allowed.join(", ")}, got "${value}"`);
  return match;
}

/** `true` or `false`, nothing else: `yes`, `1` or `off` are refused rather than guessed at. */
export function flag(env: Environment, name: string, fallback: boolean): boolean {
  return oneOf(env, name, fallback ? "true" : "false", ["true", "false"]) === "true";
}

/**
 * An absolute URL with a host, or undefined when unset. `protocols` (with their colon, as in
 * `URL.protocol`) restricts the scheme; callers with subtler rules check the returned URL.
 */
export function optionalUrl(env: Environment, name: string, protocols?: readonly string[]): URL | undefined {
  const value = optionalText(env, name);
  if (value === undefined) return undefined;
  if (!URL.canParse(value)) throw new ConfigError(name, `"${value}" is not a URL`);
  const url = new URL(value);
  if (protocols !== undefined && !protocols.includes(url.protocol)) {
    const schemes = protocols.map((protocol) => `${protocol}//`).join(" or ");
    throw new ConfigError(name, `must be a ${schemes} URL, got "${value}"`);
  }
  if (url.hostname === "") throw new ConfigError(name, `"${value}" has no host`);
  return url;
}
