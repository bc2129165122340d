/**
 * The structured logger use cases write to. pino satisfies it; declaring it here keeps the
 * application layer free of a logging library and lets tests capture lines.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
