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
  // Characters are code points: an emoji is one, though two UTF-16 units (counted only past the limit in units).
  if (value.length > maxLength) {
    const characters = codePointCount(value);
    if (characters > maxLength) return `must be at most ${maxLength} characters (got ${characters})`;
  }
  const unusual = unusualCharacters(value);
  // Control characters in ids end up in logs and other systems' keys; nobody needs them.
  if (unusual === CONTROL) return "must not contain control characters";
  // Invisible ones (U+200B zero width space, U+202E right-to-left override, U+034F combining
  // grapheme joiner) make one id look like another.
  if (unusual === NON_ASCII && INVISIBLE_CHARACTER.test(value)) return "must not contain invisible characters (Unicode category Cf or Default_Ignorable_Code_Point, such as U+200B, U+202E or U+034F)";
  return undefined;
}

/** Format characters, and every other character renderers may show as nothing (variation selectors, fillers...). */
const INVISIBLE_CHARACTER = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const PLAIN = 0;
const NON_ASCII = 1;
const CONTROL = 2;

/**
 * Whether `value` has a character of Unicode category Cc (U+0000-U+001F, U+007F-U+009F), as
 * `/\p{Cc}/u` tests it (every such character is one UTF-16 unit, and no surrogate is one of them),
 * else whether it has any character outside ASCII, the only ones that can be invisible.
 * A loop over the units, because a regular expression costs more than the rest of checking a short
 * id, and ids are nearly always ASCII.
 */
function unusualCharacters(value: string): typeof PLAIN | typeof NON_ASCII | typeof CONTROL {
  let found: typeof PLAIN | typeof NON_ASCII = PLAIN;
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return CONTROL;
    if (unit > 0x7f) found = NON_ASCII;
  }
  return found;
}

/** Code points in `value`: UTF-16 units less one per surrogate pair. */
function codePointCount(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** The ticket id of a request about one ticket. */
export function ticketIdOf(request: { readonly ticketId: string }): string {
  return requireText(request.ticketId, "ticket_id", LIMITS.idLength);
}
