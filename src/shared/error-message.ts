/**
 * The message of a caught value, for wrapping file-system, network and store failures into errors
 * and responses that say what went wrong. A `throw` may carry anything, so a non-Error is turned
 * into text rather than printed as `undefined`.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
