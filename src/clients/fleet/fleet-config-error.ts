/**
 * A fleet's configuration is invalid: a missing or malformed key, an unreadable certificate file.
 *
 * The message starts with the key's path (for example `fleets.agones-eu.tls.certFile`), so that an
 * operator can fix the file without reading code.
 */
export class FleetConfigError extends Error {
  override readonly name = "FleetConfigError";
  /** Path of the offending key. */
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.key = key;
  }
}
