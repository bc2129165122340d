import { ConfigError } from "./config-error.ts";

/** Bounds of a number setting; without `max`, any number from `min` up is accepted. */
interface NumberRule {
  readonly min: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/**
 * Joins a parent key path and a child key (`fleets` + `eu` = `fleets.eu`), so that errors raised
 * outside a reader (a certificate file that cannot be read, say) name keys the same way.
 */
export function keyPath(parent: string, child: string): string {
  return parent === "" ? child : `${parent}.${child}`;
}

/**
 * Reads one JSON object of a configuration file with the key path it sits at, so every problem is
 * reported against the exact key (`queues[2].skillWindow.max`). Unknown keys are errors: a typo
 * must not silently fall back to a default.
 */
export class ConfigReader {
  readonly path: string;
  readonly #value: Record<string, unknown>;

  constructor(value: unknown, path: string) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ConfigError(path === "" ? "(root)" : path, "must be an object");
    }
    this.path = path;
    this.#value = value as Record<string, unknown>;
  }

  /** Whether the key is set, for settings whose absence means something other than a default. */
  has(key: string): boolean {
    return this.#value[key] !== undefined;
  }

  /** The keys present, for objects whose keys are names chosen by the operator (fleets, labels). */
  keys(): string[] {
    return Object.keys(this.#value);
  }

  /** The path of a key of this object, for errors found after reading (a duplicate name, say). */
  keyPath(key: string): string {
    return keyPath(this.path, key);
  }

  /** A number setting; a `fallback` is checked against the rule too, as it may depend on other keys. */
  number(key: string, rule: NumberRule, fallback?: number): number {
    const value = this.#value[key] ?? fallback;
    if (value === undefined) throw new ConfigError(this.keyPath(key), "is required");
    return this.#checkNumber(key, value, rule);
  }

  /** A number setting that may be left out: undefined then, checked against `rule` otherwise. */
  optionalNumber(key: string, rule: NumberRule): number | undefined {
    const value = this.#value[key];
    return value === undefined ? undefined : this.#checkNumber(key, value, rule);
  }

  /** A string setting that must match `pattern` (names, for example); `fallback` when left out. */
  string(key: string, pattern: RegExp, fallback?: string): string {
    const value = this.#value[key] ?? fallback;
    const where = this.keyPath(key);
    if (value === undefined) throw new ConfigError(where, "is required");
    if (typeof value !== "string") throw new ConfigError(where, "must be a string");
    if (!pattern.test(value)) throw new ConfigError(where, `must match ${pattern.source} (got "${value}")`);
    return value;
  }

  /** Free text that must not be blank, such as a URL or a file name checked later by its user. */
  text(key: string): string {
    const value = this.#value[key];
    if (typeof value !== "string" || value.trim() === "") throw new ConfigError(this.keyPath(key), "must be a non-empty string");
    return value;
  }

  /** {@link ConfigReader.text} that may be left out (undefined then); if present, not blank either. */
  optionalText(key: string): string | undefined {
    return this.has(key) ? this.text(key) : undefined;
  }

  /** One of a fixed set of words. */
  optionalChoice<Choice extends string>(key: string, choices: readonly Choice[]): Choice | undefined {
    const value = this.#value[key];
    if (value === undefined) return undefined;
    const choice = choices.find((candidate) => candidate === value);
    if (choice === undefined) throw new ConfigError(this.keyPath(key), `must be one of ${choices.join(", ")}`);
    return choice;
  }

  /** An object whose values are all strings, such as labels. */
  optionalStringRecord(key: string): Record<string, string> | undefined {
    if (!this.has(key)) return undefined;
    const record = this.object(key);
    for (const entry of record.keys()) {
      if (typeof record.#value[entry] !== "string") throw new ConfigError(record.keyPath(entry), "must be a string");
    }
    return { ...(record.#value as Record<string, string>) };
  }

  /** The object at `key`; an absent one reads as empty (all defaults) unless `required`. */
  object(key: string, options?: { readonly required: boolean }): ConfigReader {
    const fallback = options?.required === true ? undefined : {};
    return new ConfigReader(this.#value[key] ?? fallback, this.keyPath(key));
  }

  /** Readers for each element of an array of objects; an absent one reads as empty unless `required`. */
  objects(key: string, options: { readonly required: boolean } = { required: true }): ConfigReader[] {
    const value = this.#value[key] ?? (options.required ? undefined : []);
    const where = this.keyPath(key);
    if (!Array.isArray(value)) throw new ConfigError(where, "must be an array");
    return value.map((item, index) => new ConfigReader(item, `${where}[${index}]`));
  }

  /** Fails on any key not in `known`. */
  onlyKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.#value)) {
      if (!known.includes(key)) throw new ConfigError(this.keyPath(key), `unknown setting (known: ${known.join(", ")})`);
    }
  }

  #checkNumber(key: string, value: unknown, rule: NumberRule): number {
    const where = this.keyPath(key);
    if (typeof value !== "number" || !Number.isFinite(value)) throw new ConfigError(where, "must be a number");
    if (rule.integer === true && !Number.isInteger(value)) throw new ConfigError(where, "must be a whole number");
    if (rule.max === undefined) {
      if (value < rule.min) throw new ConfigError(where, `must be at least ${rule.min} (got ${value})`);
    } else if (value < rule.min || value > rule.max) {
      throw new ConfigError(where, `must be between ${rule.min} and ${rule.max} (got ${value})`);
    }
    return value;
  }
}
