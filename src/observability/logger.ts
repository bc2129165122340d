import { pino, type Logger } from "pino";

/**
 * Log fields that may carry secrets, censored in every line whatever logs them: the shared token
 * secret as it appears in the start-up summary's environment, and credential-like fields one
 * level down in any object.
 */
export const REDACTED_PATHS: readonly string[] = [
  "configuration.environment.MATCHMAKER_AUTH_HS256_SECRET",
  "*.authorization",
  "*.password",
  "*.secret",
  "*.token",
];

/**
 * How every process logs an error: its causes as nested objects. pino's default serializer appends
 * every cause's message to the error's own, and ours already say what their cause said, so each
 * line repeated it (an allocation failure three times).
 */
export const LOG_SERIALIZERS = { err: pino.stdSerializers.errWithCause };

/** The process's logger, and the way to get its last lines out before the process exits. */
export interface ProcessLogger {
  readonly logger: Logger;
  /**
   * Writes out every line logged so far, then calls `done`. The lines go to stdout asynchronously
   * (pino's default, which keeps logging off the event loop's critical path), and neither
   * `process.exit` nor `logger.flush()` waits for a write under way: the line saying why the
   * process went (the grace period ran out, say) could be lost. No line logged after this is
   * written.
   */
  close(done: () => void): void;
}

/** The process's JSON logger: one line per event on stdout, secrets censored. */
export function createLogger(level: string): ProcessLogger {
  const output = pino.destination({ dest: 1, sync: false });
  const logger = pino(
    {
      level,
      base: { service: "matchmaker" },
      serializers: LOG_SERIALIZERS,
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
    },
    output,
  );
  return {
    logger,
    close(done) {
      output.once("close", done);
      output.end();
    },
  };
}
