import type { ProposedMatch } from "../domain/match-finder.ts";
import type { Assignment, Ticket, WaitingTicket } from "../domain/ticket.ts";
import type { Clock } from "./ports/clock.ts";
import { AllocationBackoff } from "./allocation-backoff.ts";
import { AllocationSlots } from "./allocation-slots.ts";
import { Deadline } from "./deadline.ts";
import { UnavailableError } from "./errors.ts";
import { FleetAnswerTimes } from "./fleet-answer-times.ts";
import type { AllocatedServer, GameServerAllocator } from "./ports/game-server-allocator.ts";
import type { Logger } from "./ports/logger.ts";
import type { MatchmakingMetrics, RequeueReason } from "./ports/matchmaking-metrics.ts";
import type { MatchTicketIssuer } from "./ports/match-ticket-issuer.ts";
import type { TicketEvents } from "./ports/ticket-events.ts";
import type { TicketStore } from "./ports/ticket-store.ts";
import type { QueueProgress } from "./ports/queue-progress.ts";
import { publishCommitted } from "./publish-changes.ts";
import type { QueueStatsRecorder } from "./queue-stats-recorder.ts";

/**
 * What placing a claimed match needs. Narrower than the matchmaking deps on purpose: placement talks
 * to the fleet and the ticket issuer, which the request-serving use cases never touch.
 */
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
  /**
   * Upper bound on placing one match up to its server, from its claim: waiting for an allocation
   * slot (at most half of it) and the allocation itself, fleet retries included. Past it the match's
   * tickets are queued again.
   */
  readonly allocationTimeoutMs: number;
  /** Allocations running at once per fleet, every queue together; further claimed matches wait their turn. */
  readonly maxConcurrentAllocations: number;
  /**
   * First pause before asking the store again about a change it did not confirm (an assignment or a
   * requeue whose answer never came); the pauses double up to 16 times this. Default 100 ms.
   */
  readonly storeRetryMs?: number;
}

/** See {@link MatchPlacementDeps.storeRetryMs}. */
const STORE_RETRY_MS = 100;
/** Tries of a change's outcome before placement gives up on learning it (see `#untilStoreAnswers`). */
const STORE_ATTEMPTS = 40;

/** One fleet's load as monitoring sees it (see {@link MatchPlacement.fleetLoads}). */
export interface FleetLoadReport {
  readonly fleet: string;
  /** Matches held for the fleet and not placed yet: being claimed, allocating, waiting in line, or being assigned. */
  readonly held: number;
  /** How long the fleet is expected to take to answer (see `FleetAnswerTimes`); undefined until it has allocated a server once. */
  readonly expectedAnswerMs: number | undefined;
}

/** A match whose tickets are claimed (allocating) and which now needs a server. */
export interface ClaimedMatch {
  readonly queue: string;
  readonly matchId: string;
  readonly proposal: ProposedMatch<WaitingTicket>;
  /** When the pass that formed the match ran (epoch ms): tells its answer from a later match's. */
  readonly formedAt: number;
}

/**
 * The longest line a fleet gets, per allocation slot. A fleet that answers in a few milliseconds
 * would otherwise get a line of tens of thousands, all of which time out in line together if it
 * slows down at once. At 32 per slot a pass can still hand the default 256 slots 8,448 matches per
 * tick, far beyond what one instance places.
 */
export const LONGEST_LINE_PER_SLOT = 32;

/** One fleet's share of placement: its allocation slots, the matches it holds, and how fast it answers. */
interface FleetLoad {
  readonly slots: AllocationSlots;
  /** Matches reserved for the fleet, waiting in line or being placed. */
  held: number;
  readonly answers: FleetAnswerTimes;
  /** When a queue ticking every `key` ms last asked for room with the fleet. */
  readonly tickAskedAt: Map<number, number>;
}

/**
 * Gets claimed matches onto game servers, many at once: an allocation can take half a second, and
 * the queue must not wait behind it. But not all at once: each fleet gets at most
 * `maxConcurrentAllocations` allocations at a time (see {@link AllocationSlots}), further matches
 * wait in line, and a pass claims a match only once its fleet has room for it ({@link reserve}).
 * Per fleet (`GameServerAllocator.fleetFor`), because each fleet has an allocator of its own to
 * protect, and one that answers slowly must not hold up the others.
 *
 * A match ends in exactly one of two ways: every ticket matched with its assignment, or every
 * ticket back in the queue with its original creation time (allocation failed or never started, or
 * anything after it failed, in which case the server is released). That is what keeps "no ticket
 * lost" true past the claim.
 */
export class MatchPlacement {
  readonly #deps: MatchPlacementDeps;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #backoff = new AllocationBackoff();
  /** By fleet name. */
  readonly #fleets = new Map<string, FleetLoad>();
  /** Set by {@link close}: matches still in line go back to the queue at once. */
  #closing = false;

  /** @throws RangeError when `maxConcurrentAllocations` is not a positive integer. */
  constructor(deps: MatchPlacementDeps) {
    AllocationSlots.checkCapacity(deps.maxConcurrentAllocations);
    this.#deps = deps;
  }

  /**
   * The name of the fleet placing matches of `queue` in `region`: a pass that found one full
   * leaves the rest of its matches there unclaimed.
   */
  fleetOf(queue: string, region: string): string {
    return this.#deps.allocator.fleetFor({ queue, region });
  }

  /**
   * Takes room for one more match of `queue` in `region` with the fleet that would place it; false
   * when that fleet is full. `nextPassInMs` is how soon the queue's next pass comes.
   *
   * A fleet has room for as many matches as its slots, plus a line of those it is expected to start
   * (at the answer time of {@link FleetAnswerTimes}) within two tick intervals of the fastest queue
   * claiming for it, within half of the longest wait in line (a margin for a fleet slower than
   * expected), and at most {@link LONGEST_LINE_PER_SLOT} per slot; until it has allocated a server
   * once, a line as long as its slots. Longer, the matches at the end of the line would wait with
   * their tickets neither matchable nor cancellable, when the next passes could claim them as soon.
   * Shorter, the fleet would idle between passes: a line of fixed length capped placement at one
   * line per tick, however fast the fleet answered (BENCHMARKS.md, benchmark 7). Left unclaimed, a
   * match's tickets stay queued for the next pass.
   *
   * Reserved before the claim rather than counted after it, because the passes of several queues
   * claim at the same time. The room goes to {@link start} once the match is claimed, or back
   * through {@link unreserve} if the claim fails.
   */
  reserve(queue: string, region: string, nextPassInMs: number): boolean {
    const load = this.#load(queue, region);
    if (!this.#roomIn(load, nextPassInMs)) return false;
    load.held++;
    return true;
  }

  /** Whether {@link reserve} would succeed now for a match of `queue` in `region`. */
  hasRoom(queue: string, region: string, nextPassInMs: number): boolean {
    return this.#roomIn(this.#load(queue, region), nextPassInMs);
  }

  /** Gives back room taken by {@link reserve}: the match's claim failed, or its placement ended. */
  unreserve(queue: string, region: string): void {
    this.#load(queue, region).held--;
  }

  /** Starts placing a claimed match in the background, in the room reserved for it. */
  start(match: ClaimedMatch): void {
    const placing = this.#place(match).finally(() => {
      this.#inFlight.delete(placing);
      this.unreserve(match.queue, match.proposal.region);
    });
    this.#inFlight.add(placing);
  }

  /**
   * The regions of `queue` whose fleet has just failed to allocate (no capacity, unreachable, too
   * slow, refusing) and that matching should leave alone at `now`; see {@link AllocationBackoff}.
   */
  pausedRegions(queue: string, now: number): string[] {
    return this.#backoff.paused(queue, now);
  }

  /**
   * Every fleet placement has used so far, with its load now: for monitoring, since the room a pass
   * gets depends on both (see {@link reserve}).
   */
  fleetLoads(): FleetLoadReport[] {
    const now = this.#deps.clock.now();
    return [...this.#fleets].map(([fleet, load]) => ({ fleet, held: load.held, expectedAnswerMs: load.answers.expectedMs(now) }));
  }

  /** Matches still being placed. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * For shutdown: matches waiting in line go back to the queue at once rather than start
   * allocating now, and this resolves once every placement has finished.
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const load of this.#fleets.values()) load.slots.close();
    await this.drain();
  }

  /** Resolves once every placement started so far has finished. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #place(match: ClaimedMatch): Promise<void> {
    const { logger, clock, allocationTimeoutMs } = this.#deps;
    const { queue, matchId, proposal } = match;
    const log = logger.child({ queue, matchId, region: proposal.region });
    const load = this.#load(queue, proposal.region);
    const { slots } = load;
    // The whole placement is bounded from the claim (the wait in line by half of that, see
    // #waitForSlot); its timer is cleared however the placement ends.
    using deadline = new Deadline(allocationTimeoutMs);
    // With a slot free, the fleet is asked at once, within the claiming pass's own turn and before
    // the pass announces the claim: watchers order a ticket's updates by version, so that is safe.
    if (!slots.tryAcquire() && !(await this.#waitForSlot(slots))) {
      if (this.#closing) log.info({ tickets: ticketIds(match) }, "placement is closing: returning a match still waiting for an allocation slot to the queue");
      else log.warn({ tickets: ticketIds(match) }, "no allocation slot came free in time; returning the match's tickets to the queue");
      await this.#requeue(match, "allocation_not_started", log);
      return;
    }
    if (this.#backoff.paused(queue, clock.now()).includes(proposal.region)) {
      // Paused while the match waited in line: the fleet is not asked (and not blamed again).
      slots.release();
      log.info({ tickets: ticketIds(match) }, "the region was paused while the match waited for an allocation slot; returning its tickets to the queue");
      await this.#requeue(match, "allocation_not_started", log);
      return;
    }
    const server = await this.#allocate(match, load, deadline.signal, log);
    if (server === undefined) {
      await this.#requeue(match, "allocation_failed", log);
      return;
    }
    let matched: Ticket[];
    try {
      matched = await this.#commit(match, server);
    } catch (error) {
      // The store may have applied the assignment and lost only its answer (a Redis command past its
      // deadline): the server is released only once the tickets are known not to be matched to it.
      log.warn({ err: error, serverId: server.serverId }, "the assignment was not confirmed; reading its outcome");
      const current = await this.#untilStoreAnswers(() => this.#ticketsOf(match), log, "reading an assignment's outcome");
      if (current === undefined) {
        log.error({ serverId: server.serverId, tickets: ticketIds(match) }, "assignment outcome unknown; keeping the server");
        return;
      }
      matched = current.filter((ticket): ticket is Ticket => ticket?.state === "matched" && ticket.matchId === matchId);
      if (matched.length === 0) {
        log.error({ err: error, serverId: server.serverId }, "assignment failed; releasing the server and requeueing");
        await this.#release(server, log);
        await this.#requeue(match, "assignment_failed", log);
        return;
      }
    }
    if (matched.length === 0) {
      // This placement outlived the stale-claim limit: its tickets went back to the queue meanwhile.
      log.warn({ serverId: server.serverId, tickets: ticketIds(match) }, "match tickets were reclaimed before assignment; releasing the server");
      await this.#release(server, log);
      return;
    }
    await this.#announce(match, server, matched, log);
  }

  /**
   * Waits in line for one of the fleet's allocation slots, for at most half the allocation timeout,
   * so that a match reaching the fleet always has at least half of it to be allocated in. True once
   * the caller holds a slot; false, holding none, if none came free in time or the slots closed.
   * The wait's timer is cleared as soon as the wait is over.
   */
  async #waitForSlot(slots: AllocationSlots): Promise<boolean> {
    using wait = new Deadline(Math.ceil(this.#deps.allocationTimeoutMs / 2));
    return await slots.acquire(wait.signal);
  }

  /**
   * Asks the fleet for the match's server in a slot already taken from the fleet's, records the
   * outcome (metrics, {@link AllocationBackoff}, the answer time) and gives the slot back: in that
   * order, so that the next match in line, which checks for a pause as soon as it has the slot, sees
   * this outcome. Undefined when the fleet could not allocate.
   */
  async #allocate(match: ClaimedMatch, load: FleetLoad, deadline: AbortSignal, log: Logger): Promise<AllocatedServer | undefined> {
    const { metrics, clock } = this.#deps;
    const { queue, matchId, proposal } = match;
    const call = load.answers.asked(clock.now());
    let succeeded = false;
    try {
      const request = { matchId, queue, region: proposal.region, playerCount: playerCount(proposal.tickets), labels: {} };
      const server = await this.#deps.allocator.allocate(request, deadline);
      metrics.allocationAttempt(queue, proposal.region, "success");
      this.#backoff.succeeded(queue, proposal.region);
      succeeded = true;
      return server;
    } catch (error) {
      const outcome = deadline.aborted ? "timeout" : "failure";
      metrics.allocationAttempt(queue, proposal.region, outcome);
      log.warn({ err: error, outcome, tickets: ticketIds(match) }, "allocation failed; returning the match's tickets to the queue");
      const pauseMs = this.#backoff.failed(queue, proposal.region, match.formedAt, clock.now());
      if (pauseMs !== undefined) {
        metrics.regionPaused(queue, proposal.region, pauseMs);
        log.warn({ pauseMs }, "the region's fleet could not allocate; matching leaves the region alone meanwhile");
      }
      return undefined;
    } finally {
      load.answers.answered(call, clock.now(), succeeded);
      load.slots.release();
    }
  }

  /** See {@link reserve}. */
  #roomIn(load: FleetLoad, nextPassInMs: number): boolean {
    const { maxConcurrentAllocations: slots, allocationTimeoutMs, clock } = this.#deps;
    const now = clock.now();
    const answerMs = load.answers.expectedMs(now);
    const fastestTickMs = this.#fastestTick(load, nextPassInMs, now);
    if (answerMs === undefined) return load.held < 2 * slots;
    const horizonMs = Math.min(2 * fastestTickMs, Math.ceil(allocationTimeoutMs / 2) / 2);
    const line = Math.min(Math.ceil((slots * horizonMs) / Math.max(answerMs, 1)), LONGEST_LINE_PER_SLOT * slots);
    return load.held < slots + line;
  }

  /**
   * The shortest tick interval among the queues claiming for the fleet: this one, and those that
   * asked for room within their last two ticks. All get the same room, so a slow-ticking queue's long
   * line cannot crowd a faster one out; and one that stopped claiming no longer shortens the others'.
   */
  #fastestTick(load: FleetLoad, nextPassInMs: number, now: number): number {
    load.tickAskedAt.set(nextPassInMs, now);
    let fastest = nextPassInMs;
    for (const [tickMs, askedAt] of load.tickAskedAt) {
      if (now - askedAt > 2 * tickMs) load.tickAskedAt.delete(tickMs);
      else fastest = Math.min(fastest, tickMs);
    }
    return fastest;
  }

  #load(queue: string, region: string): FleetLoad {
    const fleet = this.fleetOf(queue, region);
    let load = this.#fleets.get(fleet);
    if (load === undefined) {
      load = { slots: new AllocationSlots(this.#deps.maxConcurrentAllocations), held: 0, answers: new FleetAnswerTimes(), tickAskedAt: new Map() };
      if (this.#closing) load.slots.close();
      this.#fleets.set(fleet, load);
    }
    return load;
  }

  /** Mints every player's match ticket and commits the assignment: the point of no return. */
  async #commit(match: ClaimedMatch, server: AllocatedServer): Promise<Ticket[]> {
    const { store, issuer, clock } = this.#deps;
    const { proposal, matchId } = match;
    const teams = teamsOf(match);
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
    return store.assign(match.queue, matchId, assignments, clock.now());
  }

  /** The match's tickets as the store holds them now (undefined where one is gone). */
  #ticketsOf(match: ClaimedMatch): Promise<(Ticket | undefined)[]> {
    return Promise.all(ticketIds(match).map((id) => this.#deps.store.get(id)));
  }

  /**
   * Runs `attempt` until the store answers, pausing longer after each failure (see
   * {@link MatchPlacementDeps.storeRetryMs}): for the outcome of a change the store may or may not
   * have applied, which must be learned rather than guessed. Releasing the server of a match that
   * did commit would let the fleet hand it to another match while players hold tickets for it, and
   * watchers not told of a change never learn it. Only an {@link UnavailableError} (no answer in
   * time, Redis unreachable or refusing writes for now) is worth asking again. Undefined on any
   * other failure, when the store still fails after {@link STORE_ATTEMPTS} tries (about a minute at
   * the default pause, longer than a Redis failover takes) or once placement is closing: whatever is
   * still allocating then is settled by a later pass's reclaim of stale claims, on whichever
   * instance holds the queue.
   */
  async #untilStoreAnswers<T>(attempt: () => Promise<T>, log: Logger, what: string): Promise<T | undefined> {
    const first = this.#deps.storeRetryMs ?? STORE_RETRY_MS;
    let pauseMs = first;
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        // Only a store that did not answer may answer later; any other failure would repeat.
        if (!(error instanceof UnavailableError) || this.#closing || tries >= STORE_ATTEMPTS) {
          const why = !(error instanceof UnavailableError) ? "the store failed" : this.#closing ? "the store did not answer before shutdown" : "the store did not answer";
          log.error({ err: error, tries }, `${what}: ${why}; giving up`);
          return undefined;
        }
        log.warn({ err: error, retryInMs: pauseMs }, `${what}: the store did not answer; asking again`);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        pauseMs = Math.min(2 * pauseMs, 16 * first);
      }
    }
  }

  /** Tells watchers, statistics and logs about a committed match; none of it can undo the match. */
  async #announce(match: ClaimedMatch, server: AllocatedServer, matched: readonly Ticket[], log: Logger): Promise<void> {
    const { events, progress, clock, metrics, stats } = this.#deps;
    const { proposal } = match;
    await publishCommitted(events, matched, log, "matched");
    const now = clock.now();
    const waitsMs = matched.map((ticket) => now - ticket.createdAt);
    try {
      await progress.recordMatchedWaits(match.queue, waitsMs);
    } catch (error) {
      log.warn({ err: error }, "could not record the match's waits");
    }
    metrics.matchFormed(match.queue, proposal.region, waitsMs);
    stats.matchPlaced(match.queue, proposal.region, waitsMs, now);
    log.info(
      {
        serverId: server.serverId,
        fleet: server.fleet,
        players: playerCount(matched),
        tickets: matched.map((ticket) => ticket.id),
        skillSpread: proposal.skillSpread,
        teamImbalance: proposal.teamImbalance,
        longestWaitMs: proposal.longestWaitMs,
      },
      "match formed",
    );
  }

  async #release(server: AllocatedServer, log: Logger): Promise<void> {
    await this.#deps.allocator.release(server).catch((error: unknown) => log.error({ err: error }, "release failed"));
  }

  async #requeue(match: ClaimedMatch, reason: RequeueReason, log: Logger): Promise<void> {
    const { store, events, clock, metrics } = this.#deps;
    const requeue = () => store.requeue(match.queue, match.matchId, ticketIds(match), clock.now());
    try {
      const requeued = await requeue();
      metrics.ticketsRequeued(match.queue, reason, requeued.length);
      await publishCommitted(events, requeued, log, "requeued");
    } catch (error) {
      // Applied or not, the store did not say. Asking again moves whatever is still allocating for
      // this match (and nothing else); then every ticket's state as it now is goes to its watchers,
      // who would otherwise show "allocating" until the ticket's next change.
      log.warn({ err: error }, "returning the match's tickets to the queue was not confirmed; asking again");
      const current = await this.#untilStoreAnswers(
        async () => {
          await requeue();
          return this.#ticketsOf(match);
        },
        log,
        "returning a match's tickets to the queue",
      );
      if (current === undefined) return;
      const tickets = current.filter((ticket): ticket is Ticket => ticket !== undefined);
      metrics.ticketsRequeued(match.queue, reason, tickets.filter((ticket) => ticket.state === "queued").length);
      await publishCommitted(events, tickets, log, "requeued");
    }
  }
}

function ticketIds(match: ClaimedMatch): string[] {
  return match.proposal.tickets.map((ticket) => ticket.id);
}

/** Players over all of `tickets` (a ticket holds a whole party). */
function playerCount(tickets: readonly Pick<Ticket, "players">[]): number {
  return tickets.reduce((sum, ticket) => sum + ticket.players.length, 0);
}

/** Every player of the match by team, in team order: the `teams` of each ticket's assignment. */
function teamsOf(match: ClaimedMatch): string[][] {
  return match.proposal.teams.map((team) => team.flatMap((ticket) => ticket.players.map((player) => player.userId)));
}
