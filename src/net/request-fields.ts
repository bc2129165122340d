import { InvalidArgumentError } from "../application/errors.ts";

/** Request size limits: generous for real use, small enough that no request can hurt the service. */
export const LIMITS = {
  idLength: 128,
  queueNameLength: 64,
  regionNameLength: 64,
  players: 100,
  regions: 32,
  latencyMs: 60_000,
  skill: 1e9,
} as const;

/** A required identifier-like string: non-empty, bounded, printable. */
export function requireText(value: string, field: string, maxLength: number): string {
  const problem = textProblem(value, maxLength, true);
  if (problem !== undefined) throw new InvalidArgumentError(field, problem);
  return value;
}

/** An optional identifier-like string (proto3 sends an unset one as ""): bounded and printable. */
export function optionalText(value: string, field: string, maxLength: number): string {
  const problem = textProblem(value, maxLength, false);
  if (problem !== undefined) throw new InvalidArgumentError(field, problem);
  return value;
}

/**
 * What is wrong with an identifier-like string, or undefined: the checks of {@link requireText}
 * (`required`) and {@link optionalText}, for callers that name the field only when it is wrong
 * (`players[3].user_id` is a new string, not worth making for every field that is right).
 */
export function textProblem(value: string, maxLength: number, required: boolean): string | undefined {
  if (required && value.length === 0) return "is required";
  if (value.length > maxLength) return `must be at most ${maxLength} characters (got ${value.length})`;
  // Control characters in ids end up in logs and other systems' keys; nobody needs them.
  if (hasControlCharacter(value)) return "must not contain control characters";
  return undefined;
}

/**
 * Whether `value` has a character of Unicode category Cc (U+0000-U+001F, U+007F-U+009F), as
 * `/\p{Cc}/u` tests it: every such character is one UTF-16 unit, and no surrogate is one of
 * them. A loop over the units, because the regular expression costs more than the rest of
 * checking a short id.
 */
function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return true;
  }
  return false;
}

/** The ticket id of a request about one ticket. */
export function ticketIdOf(request: { readonly ticketId: string }): string {
  return requireText(request.ticketId, "ticket_id", LIMITS.idLength);
}
