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

/** The process's JSON logger: one line per event on stdout, secrets censored. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "matchmaker" },
    redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
  });
}
