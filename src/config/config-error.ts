/** Invalid configuration; the message names the setting (file key or environment variable). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The offending key path (`queues[1].teamSize`) or variable name. */
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.key = key;
  }
}
