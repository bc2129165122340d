import type { Clock } from "../application/ports/clock.ts";

/**
 * How Allocate chooses among servers with a free slot.
 *
 * - `packed`: the fullest server first, so that empty servers can be scaled down.
 * - `distributed`: the emptiest server first, so that load and noisy neighbours are spread.
 */
export type AllocationStrategy = "packed" | "distributed";

/** Every allocation strategy, for configuration parsing and help texts. */
export const allocationStrategies: readonly AllocationStrategy[] = ["packed", "distributed"];

/** What a game server announces about itself. */
export interface GameServerRegistration {
  /** The server's own stable id; registering the same id again updates it. */
  readonly serverId: string;
  /** Where players connect; with `port`, the match's server address. */
  readonly host: string;
  /** With `host`, the address players connect to. */
  readonly port: number;
  /** The region the server plays matches in; Allocate only looks at servers of the match's region. */
  readonly region: string;
  /** Concurrent matches the server hosts. */
  readonly capacity: number;
  /** Free-form labels Allocate can require (for example a game version or map pool). */
  readonly labels: Readonly<Record<string, string>>;
}

/** A match that wants a slot. */
export interface SlotRequest {
  /** Key of the reservation: asking again for the same match returns the same server. */
  readonly matchId: string;
  /** Kept with the reservation so that the server's heartbeats tell it which mode to host. */
  readonly queue: string;
  /** Only servers registered in this region are considered. */
  readonly region: string;
  /** Kept with the reservation so that the server knows how many players to expect. */
  readonly playerCount: number;
  /** Labels the server must carry with the same values. */
  readonly labels: Readonly<Record<string, string>>;
}

/** A slot held by a match. */
export interface SlotReservation {
  readonly matchId: string;
  readonly queue: string;
  readonly playerCount: number;
}

/** No registered server in the region with the labels has a free slot. */
export class NoServerAvailableError extends Error {
  override readonly name = "NoServerAvailableError";

  constructor(region: string) {
    super(`no ready game server with a free slot in region "${region}"`);
  }
}

/** Release named a server, but another server holds the match. */
export class ReservationElsewhereError extends Error {
  override readonly name = "ReservationElsewhereError";

  constructor(matchId: string, serverId: string) {
    super(`match "${matchId}" is not reserved on server "${serverId}"`);
  }
}

interface PooledServer {
  registration: GameServerRegistration;
  /** Epoch ms after which the server is dropped; `undefined` for servers that never expire. */
  expiresAt: number | undefined;
  readonly reservations: Map<string, SlotReservation>;
}

/** Options of {@link GameServerPool}. */
export interface GameServerPoolOptions {
  readonly clock: Clock;
  readonly strategy: AllocationStrategy;
  /** How long a server stays registered without a heartbeat. */
  readonly heartbeatTtlMs: number;
  /** Told about each server dropped for missing its heartbeats, with the matches it held. */
  readonly onExpired?: (serverId: string, lostMatchIds: readonly string[]) => void;
}

/**
 * The registry's state and rules, free of any transport: which servers are alive, which slots are
 * reserved for which match, and which server the next match gets.
 *
 * Every operation is synchronous, so on Node's single thread two Allocate calls can never see the
 * same free slot. Expiry is evaluated against the injected clock at each operation instead of with
 * timers, which keeps the pool deterministic under test.
 */
export class GameServerPool {
  readonly strategy: AllocationStrategy;
  readonly heartbeatTtlMs: number;
  private readonly clock: Clock;
  private readonly onExpired: GameServerPoolOptions["onExpired"];
  private readonly servers = new Map<string, PooledServer>();
  /** Which server holds each match's slot. */
  private readonly serverOfMatch = new Map<string, string>();

  constructor(options: GameServerPoolOptions) {
    this.clock = options.clock;
    this.strategy = options.strategy;
    this.heartbeatTtlMs = options.heartbeatTtlMs;
    this.onExpired = options.onExpired;
  }

  /**
   * Adds a server or updates a registered one, keeping its reservations.
   *
   * `expires: false` is for development servers registered in-process, which send no heartbeats.
   */
  register(registration: GameServerRegistration, options: { expires: boolean } = { expires: true }): void {
    this.dropExpired();
    const expiresAt = options.expires ? this.clock.now() + this.heartbeatTtlMs : undefined;
    const known = this.servers.get(registration.serverId);
    if (known) {
      known.registration = registration;
      known.expiresAt = expiresAt;
      return;
    }
    this.servers.set(registration.serverId, { registration, expiresAt, reservations: new Map() });
  }

  /** Extends a server's registration; `undefined` when it is not registered (any more). */
  heartbeat(serverId: string): readonly SlotReservation[] | undefined {
    this.dropExpired();
    const server = this.servers.get(serverId);
    if (!server) return undefined;
    if (server.expiresAt !== undefined) server.expiresAt = this.clock.now() + this.heartbeatTtlMs;
    return [...server.reservations.values()];
  }

  /** Removes a server and its reservations; false when it was not registered. */
  deregister(serverId: string): boolean {
    this.dropExpired();
    return this.remove(serverId);
  }

  /**
   * Reserves a slot for a match and returns the server holding it.
   *
   * A match that already holds a slot gets the same server again, so callers may retry after a
   * lost response without taking a second slot.
   *
   * @throws NoServerAvailableError
   */
  allocate(request: SlotRequest): GameServerRegistration {
    this.dropExpired();
    const heldBy = this.serverOfMatch.get(request.matchId);
    const holder = heldBy === undefined ? undefined : this.servers.get(heldBy);
    if (holder) return holder.registration;

    const chosen = this.choose(request);
    if (!chosen) throw new NoServerAvailableError(request.region);
    const { matchId, queue, playerCount } = request;
    chosen.reservations.set(matchId, { matchId, queue, playerCount });
    this.serverOfMatch.set(matchId, chosen.registration.serverId);
    return chosen.registration;
  }

  /**
   * Frees a match's slot; false when the match held none (already released, or its server was
   * dropped), so that retried releases succeed.
   *
   * @throws ReservationElsewhereError when `serverId` is given and another server holds the match.
   */
  release(matchId: string, serverId?: string): boolean {
    this.dropExpired();
    const heldBy = this.serverOfMatch.get(matchId);
    if (heldBy === undefined) return false;
    if (serverId !== undefined && serverId !== heldBy) throw new ReservationElsewhereError(matchId, serverId);
    this.serverOfMatch.delete(matchId);
    this.servers.get(heldBy)?.reservations.delete(matchId);
    return true;
  }

  /** Registered servers with how many slots they use, for logs and tests. */
  snapshot(): { registration: GameServerRegistration; used: number }[] {
    this.dropExpired();
    return [...this.servers.values()].map((server) => ({
      registration: server.registration,
      used: server.reservations.size,
    }));
  }

  private choose(request: SlotRequest): PooledServer | undefined {
    let best: PooledServer | undefined;
    for (const server of this.servers.values()) {
      if (!this.canHost(server, request)) continue;
      if (!best || this.prefers(server, best)) best = server;
    }
    return best;
  }

  private canHost(server: PooledServer, request: SlotRequest): boolean {
    const { registration } = server;
    if (registration.region !== request.region) return false;
    if (server.reservations.size >= registration.capacity) return false;
    return Object.entries(request.labels).every(([key, value]) => registration.labels[key] === value);
  }

  /** Whether `candidate` goes before `current` under the strategy; ties go to the smaller id. */
  private prefers(candidate: PooledServer, current: PooledServer): boolean {
    const difference = candidate.reservations.size - current.reservations.size;
    if (difference !== 0) return this.strategy === "packed" ? difference > 0 : difference < 0;
    return candidate.registration.serverId < current.registration.serverId;
  }

  private dropExpired(): void {
    const now = this.clock.now();
    for (const [serverId, server] of this.servers) {
      if (server.expiresAt === undefined || now < server.expiresAt) continue;
      this.remove(serverId);
      this.onExpired?.(serverId, [...server.reservations.keys()]);
    }
  }

  private remove(serverId: string): boolean {
    const server = this.servers.get(serverId);
    if (!server) return false;
    for (const matchId of server.reservations.keys()) this.serverOfMatch.delete(matchId);
    return this.servers.delete(serverId);
  }
}
