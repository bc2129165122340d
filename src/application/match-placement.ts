import type { ProposedMatch } from "../domain/match-finder.ts";
import type { Assignment, Ticket } from "../domain/ticket.ts";
import type { Clock } from "./ports/clock.ts";
import type { AllocatedServer, GameServerAllocator } from "./ports/game-server-allocator.ts";
import type { Logger } from "./ports/logger.ts";
import type { MatchmakingMetrics, RequeueReason } from "./ports/matchmaking-metrics.ts";
import type { MatchTicketIssuer } from "./ports/match-ticket-issuer.ts";
import type { TicketEvents } from "./ports/ticket-events.ts";
import type { TicketStore } from "./ports/ticket-store.ts";
import type { QueueProgress } from "./ports/queue-progress.ts";
import type { QueueStatsRecorder } from "./queue-stats-recorder.ts";

export interface MatchPlacementDeps {
  readonly store: TicketStore;
  readonly events: TicketEvents;
  readonly progress: QueueProgress;
  readonly allocator: GameServerAllocator;
  readonly issuer: MatchTicketIssuer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MatchmakingMetrics;
  readonly stats: QueueStatsRecorder;
  /** Upper bound on one allocation, retries included; past it the match's tickets are queued again. */
  readonly allocationTimeoutMs: number;
}

/** A match whose tickets are claimed (allocating) and which now needs a server. */
export interface ClaimedMatch {
  readonly queue: string;
  readonly matchId: string;
  readonly proposal: ProposedMatch<Ticket>;
}

/**
 * Gets claimed matches onto game servers, many at once: an allocation can take half a second, and
 * the queue must not wait behind it.
 *
 * A match ends in exactly one of two ways: every ticket matched with its assignment, or every
 * ticket back in the queue with its original priority (allocation failed, or anything after it did,
 * in which case the server is released). That is what keeps "no ticket lost" true past the claim.
 */
export class MatchPlacement {
  readonly #deps: MatchPlacementDeps;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(deps: MatchPlacementDeps) {
    this.#deps = deps;
  }

  /** Starts placing a match in the background. */
  start(match: ClaimedMatch): void {
    const placing = this.#place(match).finally(() => this.#inFlight.delete(placing));
    this.#inFlight.add(placing);
  }

  /** Matches still being placed. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Resolves once every placement started so far has finished. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #place(match: ClaimedMatch): Promise<void> {
    const { allocator, logger, metrics } = this.#deps;
    const { queue, matchId, proposal } = match;
    const log = logger.child({ queue, matchId, region: proposal.region });
    const deadline = AbortSignal.timeout(this.#deps.allocationTimeoutMs);
    let server: AllocatedServer;
    try {
      server = await allocator.allocate(
        {
          matchId,
          queue,
          region: proposal.region,
          playerCount: proposal.tickets.reduce((sum, ticket) => sum + ticket.players.length, 0),
          labels: {},
        },
        deadline,
      );
    } catch (error) {
      const outcome = deadline.aborted ? "timeout" : "failure";
      metrics.allocationAttempt(queue, proposal.region, outcome);
      log.warn({ err: error, outcome, tickets: ticketIds(match) }, "allocation failed; returning the match's tickets to the queue");
      await this.#requeue(match, "allocation_failed", log);
      return;
    }
    metrics.allocationAttempt(queue, proposal.region, "success");
    try {
      await this.#assign(match, server, log);
    } catch (error) {
      log.error({ err: error, serverId: server.serverId }, "assignment failed; releasing the server and requeueing");
      await allocator.release(server).catch((releaseError: unknown) => log.error({ err: releaseError }, "release failed"));
      await this.#requeue(match, "assignment_failed", log);
    }
  }

  async #assign(match: ClaimedMatch, server: AllocatedServer, log: ReturnType<Logger["child"]>): Promise<void> {
    const { store, events, progress, issuer, clock, metrics, stats } = this.#deps;
    const { proposal, matchId } = match;
    const teams = proposal.teams.map((team) => team.flatMap((ticket) => ticket.players.map((player) => player.userId)));
    const assignments = new Map<string, Assignment>();
    await Promise.all(
      proposal.tickets.map(async (ticket) => {
        const issued = await Promise.all(
          ticket.players.map((player) =>
            issuer.issue({ userId: player.userId, matchId, serverAddress: server.address, serverId: server.serverId }),
          ),
        );
        assignments.set(ticket.id, {
          matchId,
          region: proposal.region,
          serverAddress: server.address,
          teams,
          matchTickets: Object.fromEntries(ticket.players.map((player, index) => [player.userId, issued[index]!.token])),
          matchTicketsExpireAt: Math.min(...issued.map((credential) => credential.expiresAt)),
        });
      }),
    );
    const now = clock.now();
    const matched = await store.assign(match.queue, matchId, assignments, now);
    await events.publish(matched);
    const waitsMs = matched.map((ticket) => now - ticket.createdAt);
    for (const waitMs of waitsMs) await progress.recordMatchedWait(match.queue, waitMs);
    metrics.matchFormed(match.queue, proposal.region, waitsMs);
    stats.matchPlaced(match.queue, proposal.region, waitsMs, now);
    log.info(
      {
        serverId: server.serverId,
        fleet: server.fleet,
        players: teams.reduce((sum, team) => sum + team.length, 0),
        tickets: matched.map((ticket) => ticket.id),
        skillSpread: proposal.skillSpread,
        teamImbalance: proposal.teamImbalance,
        longestWaitMs: proposal.longestWaitMs,
      },
      "match formed",
    );
  }

  async #requeue(match: ClaimedMatch, reason: RequeueReason, log: ReturnType<Logger["child"]>): Promise<void> {
    const { store, events, clock, metrics } = this.#deps;
    try {
      const requeued = await store.requeue(match.queue, match.matchId, ticketIds(match), clock.now());
      await events.publish(requeued);
      metrics.ticketsRequeued(match.queue, reason, requeued.length);
    } catch (error) {
      log.error({ err: error }, "could not return the match's tickets to the queue");
    }
  }
}

function ticketIds(match: ClaimedMatch): string[] {
  return match.proposal.tickets.map((ticket) => ticket.id);
}
