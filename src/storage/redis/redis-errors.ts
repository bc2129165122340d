import { ErrorReply } from "redis";
import { UnavailableError } from "../../application/errors.ts";

/** Error replies that mean "not now" (loading, failing over, busy script) rather than a bug. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

/**
 * Runs one Redis operation, turning "Redis cannot answer now" (offline, connection lost, command
 * timed out, server loading or failing over) into the application's {@link UnavailableError}, so
 * callers get a fast, retryable failure instead of a hang. Other error replies are bugs (a script
 * error, a wrong key type) and pass through unchanged.
 */
export async function withRedis<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ErrorReply && !TRANSIENT_REPLY.test(error.message)) throw error;
    throw new UnavailableError(`redis unavailable (${operation}): ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
