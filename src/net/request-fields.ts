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
  if (value.length === 0) throw new InvalidArgumentError(field, "is required");
  return optionalText(value, field, maxLength);
}

/** An optional identifier-like string (proto3 sends an unset one as ""): bounded and printable. */
export function optionalText(value: string, field: string, maxLength: number): string {
  if (value.length > maxLength) throw new InvalidArgumentError(field, `must be at most ${maxLength} characters (got ${value.length})`);
  // Control characters in ids end up in logs and other systems' keys; nobody needs them.
  if (/\p{Cc}/u.test(value)) throw new InvalidArgumentError(field, "must not contain control characters");
  return value;
}

/** The ticket id of a request about one ticket. */
export function ticketIdOf(request: { readonly ticketId: string }): string {
  return requireText(request.ticketId, "ticket_id", LIMITS.idLength);
}
