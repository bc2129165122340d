/** A player as the matchmaker sees them: an id and a rating on the queue's scale. */
export interface Player {
  readonly userId: string;
  readonly skill: number;
}

/**
 * Where a ticket is in its life. `allocating` sits between a formed match and a game server: the
 * ticket is off the market but can still go back to `queued` if no server is found.
 */
export type TicketState = "queued" | "allocating" | "matched" | "cancelled" | "expired";

/** States a ticket never leaves. */
export function isTerminal(state: TicketState): boolean {
  return state === "matched" || state === "cancelled" || state === "expired";
}

/** States in which a ticket still holds its players' place in the queue (one live ticket per player). */
export function isLive(state: TicketState): boolean {
  return state === "queued" || state === "allocating";
}

/** Where a matched ticket's players play. Only public facts: no fleet-internal server identifiers. */
export interface Assignment {
  readonly matchId: string;
  readonly region: string;
  /** `host:port`. */
  readonly serverAddress: string;
  /** Every player of the match by team, in team order. */
  readonly teams: readonly (readonly string[])[];
  /** Each of this ticket's players' match ticket, by user id. */
  readonly matchTickets: Readonly<Record<string, string>>;
  /** When the match tickets expire (epoch ms). */
  readonly matchTicketsExpireAt: number;
}

/** A party's request to be matched. Times are epoch milliseconds. */
export interface Ticket {
  readonly id: string;
  readonly queue: string;
  readonly state: TicketState;
  readonly players: readonly Player[];
  readonly partyId: string;
  /** Round-trip time to each region the party can play in. */
  readonly latencyMs: Readonly<Record<string, number>>;
  /** Enqueue time; also the ticket's priority (older first), kept when it returns to the queue. */
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When the ticket last changed state. */
  readonly updatedAt: number;
  /** Increases with every change, so observers can drop stale updates. */
  readonly version: number;
  /** The match holding the ticket while `allocating` or `matched`. */
  readonly matchId?: string;
  readonly assignment?: Assignment;
}

/** A party is matched on its players' mean skill. */
export function partySkill(players: readonly Player[]): number {
  let sum = 0;
  for (const player of players) sum += player.skill;
  return players.length === 0 ? 0 : sum / players.length;
}

/** Matching priority: longest waiting first, ties broken by id so every pass and instance agrees. */
export function comparePriority(
  a: { readonly createdAt: number; readonly id: string },
  b: { readonly createdAt: number; readonly id: string },
): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
