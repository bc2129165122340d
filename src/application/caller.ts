/**
 * Who is making a call, as established by authentication in the transport layer.
 *
 * Every use case takes a caller so that authorization rules (a player sees only their own tickets)
 * live next to the rules they protect rather than in each transport.
 */
export type Caller = PlayerCaller | ServiceCaller;

/** A player acting for themself; `userId` is the token's subject. */
export interface PlayerCaller {
  readonly kind: "player";
  readonly userId: string;
}

/** A trusted game backend service acting for any player. */
export interface ServiceCaller {
  readonly kind: "service";
  /** The service's identity (the token's subject), for logs. */
  readonly subject: string;
}

/** Stable key for caller-scoped state such as idempotency keys. */
export function callerKey(caller: Caller): string {
  return caller.kind === "player" ? `player:${caller.userId}` : `service:${caller.subject}`;
}
