/**
 * Whether a caught value is a Node system error with this `code` (`ENOENT`, `EEXIST`...), for the
 * few failures a caller expects and handles instead of reporting. A `throw` may carry anything, so
 * the shape is checked rather than assumed.
 */
export function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
