import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.ts";
import { isErrorCode } from "../shared/error-code.ts";
import { errorMessage } from "../shared/error-message.ts";

/**
 * Reads the file a setting names (a certificate, a key, the queues file), as UTF-8 text.
 *
 * Every file setting goes through here so that an unreadable file stops start-up with one message
 * shape, naming the setting to fix, the path it held and the operating system's reason:
 * `KEY: cannot read "<path>": <reason>`.
 *
 * @param key the setting: an environment variable or a key path such as `fleets.eu.tls.caFile`.
 * @throws ConfigError when the file cannot be read; the OS error is its cause.
 */
export function readSettingFile(key: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw unreadable(key, path, error);
  }
}

/**
 * {@link readSettingFile} for a file that may not exist yet (one created on first use, such as the
 * development secret): undefined when there is no file, ConfigError for any other failure.
 */
export function readSettingFileIfExists(key: string, path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (isErrorCode(error, "ENOENT")) return undefined;
    throw unreadable(key, path, error);
  }
}

function unreadable(key: string, path: string, error: unknown): ConfigError {
  return new ConfigError(key, `cannot read "${path}": ${errorMessage(error)}`, { cause: error });
}
