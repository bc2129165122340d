import { ConfigError } from "./config-error.ts";

interface NumberRule {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
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
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(path, "must be an object");
    this.path = path;
    this.#value = value as Record<string, unknown>;
  }

  has(key: string): boolean {
    return this.#value[key] !== undefined;
  }

  number(key: string, rule: NumberRule, fallback?: number): number {
    const value = this.#value[key] ?? fallback;
    const where = this.#key(key);
    if (value === undefined) throw new ConfigError(where, "is required");
    if (typeof value !== "number" || !Number.isFinite(value)) throw new ConfigError(where, "must be a number");
    if (rule.integer === true && !Number.isInteger(value)) throw new ConfigError(where, "must be a whole number");
    if (value < rule.min || value > rule.max) throw new ConfigError(where, `must be between ${rule.min} and ${rule.max} (got ${value})`);
    return value;
  }

  string(key: string, pattern: RegExp, fallback?: string): string {
    const value = this.#value[key] ?? fallback;
    const where = this.#key(key);
    if (value === undefined) throw new ConfigError(where, "is required");
    if (typeof value !== "string") throw new ConfigError(where, "must be a string");
    if (!pattern.test(value)) throw new ConfigError(where, `must match ${pattern.source} (got "${value}")`);
    return value;
  }

  object(key: string): ConfigReader {
    return new ConfigReader(this.#value[key] ?? {}, this.#key(key));
  }

  /** Readers for each element of an array of objects. */
  objects(key: string): ConfigReader[] {
    const value = this.#value[key];
    const where = this.#key(key);
    if (!Array.isArray(value)) throw new ConfigError(where, "must be an array");
    return value.map((item, index) => new ConfigReader(item, `${where}[${index}]`));
  }

  /** Fails on any key not in `known`. */
  onlyKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.#value)) {
      if (!known.includes(key)) throw new ConfigError(this.#key(key), `unknown setting (known: ${known.join(", ")})`);
    }
  }

  #key(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }
}
