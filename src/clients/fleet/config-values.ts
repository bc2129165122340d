import { ConfigError } from "../../config/config-error.ts";

/** A parsed configuration object: keys to values still to be checked. */
export type ConfigObject = Readonly<Record<string, unknown>>;

/** Joins a parent key path and a child key, e.g. `fleets` + `eu` = `fleets.eu`. */
export function childKey(parent: string, child: string): string {
  return parent ? `${parent}.${child}` : child;
}

/**
 * Checks that `value` is a plain object and, when `allowed` is given, that it has only those keys,
 * which catches typos that would otherwise silently fall back to defaults.
 */
export function configObject(value: unknown, key: string, allowed?: readonly string[]): ConfigObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(key || "(root)", "must be an object");
  }
  const object = value as ConfigObject;
  for (const name of Object.keys(object)) {
    if (allowed && !allowed.includes(name)) {
      throw new ConfigError(childKey(key, name), `is not a known key (known: ${allowed.join(", ")})`);
    }
  }
  return object;
}

export function requiredString(object: ConfigObject, name: string, key: string): string {
  const value = object[name];
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(childKey(key, name), "must be a non-empty string");
  }
  return value;
}

export function optionalString(object: ConfigObject, name: string, key: string): string | undefined {
  return object[name] === undefined ? undefined : requiredString(object, name, key);
}

/** A number within `[min, max]`, optionally a whole number. */
export function optionalNumber(
  object: ConfigObject,
  name: string,
  key: string,
  range: { readonly min: number; readonly max?: number; readonly integer?: boolean },
): number | undefined {
  const value = object[name];
  if (value === undefined) return undefined;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const kind = range.integer ? "an integer" : "a number";
  if (typeof value !== "number" || !Number.isFinite(value) || value < range.min || value > max || (range.integer && !Number.isInteger(value))) {
    const bounds = range.max === undefined ? `at least ${range.min}` : `between ${range.min} and ${range.max}`;
    throw new ConfigError(childKey(key, name), `must be ${kind} ${bounds}`);
  }
  return value;
}

/** An object whose values are all strings, such as labels. */
export function optionalStringRecord(object: ConfigObject, name: string, key: string): Record<string, string> | undefined {
  const value = object[name];
  if (value === undefined) return undefined;
  const record = configObject(value, childKey(key, name));
  for (const [entry, entryValue] of Object.entries(record)) {
    if (typeof entryValue !== "string") throw new ConfigError(childKey(childKey(key, name), entry), "must be a string");
  }
  return record as Record<string, string>;
}

/** One of a fixed set of strings. */
export function optionalChoice<T extends string>(object: ConfigObject, name: string, key: string, choices: readonly T[]): T | undefined {
  const value = object[name];
  if (value === undefined) return undefined;
  const choice = choices.find((candidate) => candidate === value);
  if (choice === undefined) throw new ConfigError(childKey(key, name), `must be one of ${choices.join(", ")}`);
  return choice;
}
