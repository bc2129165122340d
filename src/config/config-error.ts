/**
 * Invalid configuration; the message names the setting (file key or environment variable).
 *
 * One class for every setting, whatever reads it, so that a command's entry point can tell "the
 * operator must fix a setting" (print the message, exit) from a bug (crash with a stack trace).
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /**
   * The offending key path (`queues[1].teamSize`) or environment variable; several variables that
   * must be fixed together are joined with ", ".
   */
  readonly key: string;

  constructor(key: string, problem: string, options?: ErrorOptions) {
    super(`${key}: ${problem}`, options);
    this.key = key;
  }
}
