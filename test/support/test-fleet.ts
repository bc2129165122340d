import {
  AllocationError,
  type AllocatedServer,
  type AllocationRequest,
  type GameServerAllocator,
} from "../../src/application/ports/game-server-allocator.ts";
import type { IssuedMatchTicket, MatchTicketClaims, MatchTicketIssuer } from "../../src/application/ports/match-ticket-issuer.ts";
import type { Clock } from "../../src/application/ports/clock.ts";

/**
 * A scripted stand-in for a fleet, for use-case tests that need to steer allocation outcomes
 * (the real registry and Agones clients have their own tests).
 */
export class ScriptedFleet implements GameServerAllocator {
  readonly requests: AllocationRequest[] = [];
  readonly released: AllocatedServer[] = [];
  /** Outcomes to return in order; when empty, allocation succeeds. */
  readonly failures: AllocationError[] = [];
  /** The signal each request came with, in order. */
  readonly signals: (AbortSignal | undefined)[] = [];
  /** When set, allocations wait for it before answering. */
  gate: Promise<void> | undefined;
  /** When true, allocations never answer: they fail only once their signal aborts, as a call to a silent fleet does. */
  silent = false;

  async allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocatedServer> {
    this.requests.push(request);
    this.signals.push(signal);
    if (this.silent) {
      await new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason), { once: true }));
    }
    await this.gate;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return {
      address: `10.0.0.${this.requests.length}:7777`,
      serverId: `gs-internal-${request.region}-${this.requests.length}`,
      fleet: "scripted",
      details: { node: "node-secret-7", cluster: "cluster-secret" },
    };
  }

  async release(server: AllocatedServer): Promise<void> {
    this.released.push(server);
  }

  /** A fleet per region, as a studio with a cluster in each region has. */
  fleetFor(match: Pick<AllocationRequest, "region">): string {
    return `scripted-${match.region}`;
  }

  static noServer(): AllocationError {
    return new AllocationError("no server ready", { retryable: true });
  }
}

/** Opaque sequential credentials, for tests that only need to see which player got which. */
export class SequentialTickets implements MatchTicketIssuer {
  readonly issued: MatchTicketClaims[] = [];
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async issue(claims: MatchTicketClaims): Promise<IssuedMatchTicket> {
    this.issued.push(claims);
    return { token: `mt-${claims.userId}-${claims.matchId}`, expiresAt: this.#clock.now() + 30_000 };
  }
}
