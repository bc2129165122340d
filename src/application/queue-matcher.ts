import { MatchRecorder, type FormedMatches } from "../domain/formed-matches.ts";
import { findMatchesAmong, type ProposedMatch } from "../domain/match-finder.ts";
import { withoutRegions, type QueueConfig } from "../domain/queue-config.ts";
import { ReusableArray } from "../domain/reusable-array.ts";
import type { Ticket, WaitingTicket } from "../domain/ticket.ts";
import type { MatchPlacement } from "./match-placement.ts";
import { publishCommitted } from "./publish-changes.ts";
import type { Clock } from "./ports/clock.ts";
import type { IdGenerator } from "./ports/id-generator.ts";
import type { Logger } from "./ports/logger.ts";
import type { MatchmakingMetrics } from "./ports/matchmaking-metrics.ts";
import type { TicketEvents } from "./ports/ticket-events.ts";
import type { PassChanges, PassStart, TicketStore } from "./ports/ticket-store.ts";
import { PassListingError } from "./errors.ts";
import type { QueueProgress } from "./ports/queue-progress.ts";
import type { QueueStatsRecorder } from "./queue-stats-recorder.ts";
import { waitingByRegion } from "./waiting-by-region.ts";

/**
 * Matches claimed per store call, the only limit on a claim's size (stores claim what they are
 * handed in one atomic step). One call per match made a Redis pass outlast its tick (a round trip
 * each); one call for the whole pass started every placement and publication at once, and a process
 * short of CPU then missed its deadlines all together and requeued everything (BENCHMARKS.md,
 * benchmark 5). Chunks keep the round trips few and let the previous chunk's I/O run in between, and
 * keep each Redis claim script short enough (some tens of µs per match) not to hold up other clients.
 */
const CLAIM_CHUNK = 64;

/**
 * What claiming a pass's matches did: matches claimed, matches left unclaimed, the claimed
 * tickets' positions in the pass's list (`taken[i]` is 1, undefined when none were claimed) and
 * how many tickets that is.
 */
interface ClaimedMatches {
  readonly matches: number;
  readonly deferred: number;
  readonly taken: Uint8Array | undefined;
  readonly takenCount: number;
}

const NOTHING_CLAIMED: ClaimedMatches = { matches: 0, deferred: 0, taken: undefined, takenCount: 0 };

/**
 * What one queue's matching pass needs. Placement is a dependency rather than part of the pass so
 * that a slow allocation never holds up the next pass over the queue.
 */
export interface QueueMatcherDeps {
  readonly store: TicketStore;
  readonly events: TicketEvents;
  readonly progress: QueueProgress;
  readonly placement: MatchPlacement;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Where the queue's passes log; the matcher adds the queue's name to every line. */
  readonly logger: Logger;
  readonly metrics: MatchmakingMetrics;
  readonly stats: QueueStatsRecorder;
  /** Allocating tickets older than this are presumed orphaned by a dead instance and requeued. */
  readonly staleAllocationMs: number;
}

/** What one pass over a queue did. */
export interface PassSummary {
  readonly expired: number;
  readonly reclaimed: number;
  readonly matches: number;
  /** Whether the pass did not match at all, placement being full in every region it may match in. */
  readonly skipped: boolean;
  /** Matches formed but left unclaimed because placement had no room for them. */
  readonly deferred: number;
  readonly waiting: number;
}

/**
 * One queue's matching pass: requeue orphaned claims, expire, find matches, claim them a chunk per
 * store call (each match atomically), and hand each claimed one to placement. A claim that fails (a
 * ticket was cancelled or taken meanwhile) drops only that match; its other tickets stay queued for
 * the next pass. So do the tickets of matches whose region placement has no room for: the next pass
 * forms matches afresh. While placement has no room in any region the queue may match in, a pass
 * does not match at all.
 */
export class QueueMatcher {
  readonly queue: QueueConfig;
  readonly #deps: QueueMatcherDeps;
  /** Every line names the queue. */
  readonly #logger: Logger;
  /** The pass under way or the last one: a pass starts once it has ended. */
  #previous: Promise<unknown> = Promise.resolve();
  /** Where each pass's matches are kept, until the next pass (which starts once this one ended). */
  readonly #recorder = new MatchRecorder();
  /**
   * Where each pass marks its claimed tickets, kept likewise: a queue's worth of bytes every pass
   * would be new external memory.
   */
  readonly #taken = new ReusableArray((length) => new Uint8Array(length));

  constructor(queue: QueueConfig, deps: QueueMatcherDeps) {
    this.queue = queue;
    this.#deps = deps;
    this.#logger = deps.logger.child({ queue: queue.name });
  }

  /** Tells the store that this instance runs no passes over the queue for now (see `TicketStore.passesEnded`). */
  passesEnded(): void {
    this.#deps.store.passesEnded(this.queue.name);
  }

  /**
   * One pass, claiming under the matching-lease token `fence`. A pass asked for while another is
   * under way (the scheduler never does; a tool calling by hand might) runs after it: a pass reads
   * the columns its store handed out until it ends, and the store's next `beginPass` over the
   * queue reuses them.
   */
  runPass(fence: number): Promise<PassSummary> {
    const pass = this.#previous.then(() => this.#runPass(fence));
    this.#previous = pass.catch(() => undefined);
    return pass;
  }

  async #runPass(fence: number): Promise<PassSummary> {
    const { store, progress, placement, clock, metrics, stats } = this.#deps;
    const logger = this.#logger;
    const startedAt = performance.now();
    const queue = this.queue.name;
    const now = clock.now();
    let opened: PassStart;
    try {
      opened = await store.beginPass(queue, now - this.#deps.staleAllocationMs, now);
    } catch (error) {
      if (error instanceof PassListingError) await this.#announceOpening(error.changes, now);
      throw error;
    }
    // `columns`: each waiting ticket's numbers, for the matching and the counts by region after it.
    const { reclaimed, expired, queued, columns } = opened;
    await this.#announceOpening(opened, now);
    // Regions whose fleet has just failed to allocate are left alone; their tickets stay queued, or
    // are matched in another region they may play in.
    const paused = placement.pausedRegions(queue, now);
    const rules = paused.length === 0 ? this.queue : withoutRegions(this.queue, paused);
    // With no room in any region's fleet, no match could be claimed: the pass skips the matching
    // itself (the whole queue's worth of CPU) until placement catches up.
    const skipped = rules !== undefined && queued.length > 0 && rules.regions.every((region) => !placement.hasRoom(queue, region.name, this.queue.tickIntervalMs));
    if (skipped) {
      metrics.matchingSkipped(queue);
      logger.warn({ placing: placement.inFlight }, "placement is full in every region the queue may match in: no matching this pass");
    }
    const formed = rules === undefined || skipped ? undefined : findMatchesAmong(rules, columns, now, this.#recorder);
    const { matches, taken, takenCount, deferred } = formed === undefined ? NOTHING_CLAIMED : await this.#claim(formed, queued.length, now, fence);
    // The assignments of the matches just claimed may be ready to go out (placement runs alongside):
    // let that I/O happen before the pass's bookkeeping, which costs milliseconds over a long queue.
    if (matches > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const byRegion = waitingByRegion(this.queue, columns, taken);
    metrics.ticketsWaiting(queue, new Map(byRegion.map((region) => [region.region, region.tickets])));
    // Independent of each other: one round trip for both with a shared store.
    await Promise.all([progress.recordPass(queue, { listed: queued, createdAt: columns.createdAt, claimed: taken }), stats.passCompleted(this.queue, byRegion, now)]);
    metrics.passCompleted(queue, performance.now() - startedAt);
    return { expired: expired.length, reclaimed: reclaimed.length, skipped, matches, deferred, waiting: queued.length - takenCount };
  }

  /**
   * Publishes, counts and logs what opening the pass changed: tickets reclaimed, tickets expired;
   * and publishes again, as they are now, an earlier opening's changes that may not have gone out.
   */
  async #announceOpening(changes: PassChanges, now: number): Promise<void> {
    const { events, metrics } = this.#deps;
    const logger = this.#logger;
    const { reclaimed, expired, unannounced } = changes;
    const queue = this.queue.name;
    // Published together (watchers keep the newest version of a ticket reclaimed, then expired).
    await Promise.all([
      publishCommitted(events, reclaimed, logger, "reclaimed"),
      publishCommitted(events, expired, logger, "expired"),
      publishCommitted(events, unannounced, logger, "announced again"),
    ]);
    if (reclaimed.length > 0) {
      metrics.ticketsRequeued(queue, "orphaned", reclaimed.length);
      logger.warn({ tickets: reclaimed.map((ticket) => ticket.id) }, "requeued tickets orphaned during allocation");
    }
    if (expired.length > 0) {
      metrics.ticketsExpired(queue, expired.length);
      for (const ticket of expired) logger.info({ ticketId: ticket.id, waitedMs: now - ticket.createdAt }, "ticket expired");
    }
    // After a lost answer, and once after every lease handover (the last holder's last opening is never acknowledged).
    if (unannounced.length > 0) logger.info({ tickets: unannounced.map((ticket) => ticket.id) }, "announced again the changes of earlier pass openings not acknowledged");
  }

  /**
   * Claims the pass's matches a chunk per store call, those placement has room for (see
   * `MatchPlacement.reserve`), and hands each claimed one to placement. Returns how many were
   * claimed, their tickets' positions in the pass's list, and how many were left unclaimed (their
   * tickets stay queued for the next pass).
   */
  async #claim(formed: FormedMatches<WaitingTicket>, listed: number, now: number, fence: number): Promise<ClaimedMatches> {
    const { store, events, placement, ids, metrics } = this.#deps;
    const logger = this.#logger;
    const queue = this.queue.name;
    let taken: Uint8Array | undefined;
    let takenCount = 0;
    // A chunk's claimed tickets are announced while the next chunk is claimed rather than before:
    // with a shared store that saves a round trip per chunk, and watchers already order a ticket's
    // updates by version, so an announcement overtaken by a later change of the same ticket is dropped.
    const announcements: Promise<void>[] = [];
    let matches = 0;
    // Matches left unclaimed, by region; and the fleets found full. A fleet full once stays full for
    // the rest of the pass, so a younger match never takes room freed after an older one was left.
    const deferred = new Map<string, number>();
    const defer = (region: string, count: number): void => void deferred.set(region, (deferred.get(region) ?? 0) + count);
    const fullFleets = new Set<string>();
    // Once every fleet the pass matched for is full, the rest of its matches (often most of a long
    // queue's) are counted as deferred at once rather than looked at one by one.
    const fleets = new Set(formed.regions.map((region) => placement.fleetOf(queue, region)));
    let next = 0;
    try {
      while (next < formed.length) {
        const chunk: { index: number; matchId: string; proposal: ProposedMatch<WaitingTicket> }[] = [];
        for (; next < formed.length && chunk.length < CLAIM_CHUNK; next++) {
          if (fullFleets.size === fleets.size) {
            for (const [region, count] of formed.regionCounts(next)) defer(region, count);
            next = formed.length;
            break;
          }
          // The match itself is built only once it has room (see FormedMatches).
          const region = formed.regionOf(next);
          const fleet = placement.fleetOf(queue, region);
          if (!fullFleets.has(fleet) && placement.reserve(queue, region, this.queue.tickIntervalMs)) {
            chunk.push({ index: next, matchId: ids.matchId(), proposal: formed.at(next) });
            continue;
          }
          fullFleets.add(fleet);
          defer(region, 1);
        }
        if (chunk.length === 0) break;
        let results: (Ticket[] | undefined)[];
        try {
          results = await store.claim(
            queue,
            chunk.map(({ matchId, proposal }) => ({ matchId, ticketIds: proposal.tickets.map((ticket) => ticket.id) })),
            now,
            fence,
          );
        } catch (error) {
          for (const { proposal } of chunk) placement.unreserve(queue, proposal.region);
          throw error;
        }
        const claimedTickets: Ticket[] = [];
        chunk.forEach(({ index, matchId, proposal }, position) => {
          const claimed = results[position];
          if (claimed === undefined) {
            placement.unreserve(queue, proposal.region);
            return;
          }
          taken ??= this.#taken.take(listed).fill(0);
          const listedAt = formed.ticketIndices(index);
          for (const ticket of listedAt) taken[ticket] = 1;
          takenCount += listedAt.length;
          claimedTickets.push(...claimed);
          // Placement first: once claimed, the match must reach a server or the queue whatever else fails.
          placement.start({ queue, matchId, proposal, formedAt: now });
          matches++;
        });
        announcements.push(publishCommitted(events, claimedTickets, logger, "claimed"));
      }
    } finally {
      // Also when a claim fails: a pass ends with nothing of its own still running (shutdown closes
      // the store after the last pass). Announcements never reject: publishCommitted logs failures.
      await Promise.all(announcements);
    }
    let unclaimed = 0;
    for (const [region, count] of deferred) {
      metrics.matchesDeferred(queue, region, count);
      unclaimed += count;
    }
    if (unclaimed > 0) {
      logger.warn({ deferred: Object.fromEntries(deferred), placing: placement.inFlight }, "placement is full: matches left unclaimed, their tickets stay queued for the next pass");
    }
    return { matches, deferred: unclaimed, taken, takenCount };
  }
}
