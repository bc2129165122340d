import pino from "pino";
import { MatchPlacement } from "../../src/application/match-placement.ts";
import { SETTING_DEFAULTS } from "../../src/config/server-settings.ts";
import { createMatchmaker, type Matchmaker } from "../../src/application/matchmaker.ts";
import type { MatchmakingDeps } from "../../src/application/matchmaking-deps.ts";
import type { IdGenerator } from "../../src/application/ports/id-generator.ts";
import type { MatchmakingMetrics } from "../../src/application/ports/matchmaking-metrics.ts";
import type { QueueEntry, QueueProgress, WaitingAfterPass } from "../../src/application/ports/queue-progress.ts";
import type { Unsubscribe } from "../../src/application/ports/ticket-events.ts";
import { QueueStatsRecorder } from "../../src/application/queue-stats-recorder.ts";
import { RecentMatches } from "../../src/application/recent-matches.ts";
import { InMemoryQueueStatsBoard } from "../../src/storage/memory/in-memory-queue-stats-board.ts";
import { QueueCatalog } from "../../src/application/queue-catalog.ts";
import { InMemoryQueueProgress } from "../../src/storage/memory/in-memory-queue-progress.ts";
import { QueueMatcher } from "../../src/application/queue-matcher.ts";
import type { QueueConfig } from "../../src/domain/queue-config.ts";
import type { Ticket } from "../../src/domain/ticket.ts";
import { InMemoryTicketEvents } from "../../src/storage/memory/in-memory-ticket-events.ts";
import { InMemoryTicketStore } from "../../src/storage/memory/in-memory-ticket-store.ts";
import { ManualClock } from "./manual-clock.ts";
import { ScriptedFleet, SequentialTickets } from "./test-fleet.ts";

/** Readable, deterministic ids. */
export function sequentialIds(): IdGenerator {
  let tickets = 0;
  let matches = 0;
  return { ticketId: () => `ticket-${++tickets}`, matchId: () => `match-${++matches}` };
}

/**
 * Ticket events whose publishing can be made to fail or to wait, standing in for a shared event bus
 * that times out or answers late (the in-memory bus does neither).
 */
export class ScriptedEvents extends InMemoryTicketEvents {
  /** Publishing a batch this returns true for throws. */
  failWhen: (tickets: readonly Ticket[]) => boolean = () => false;
  /** Publishing a batch waits for the promise this returns, if any. */
  holdWhen: (tickets: readonly Ticket[]) => Promise<void> | undefined = () => undefined;

  override async publish(tickets: readonly Ticket[]): Promise<void> {
    await this.holdWhen(tickets);
    if (this.failWhen(tickets)) throw new Error("event bus did not answer");
    return super.publish(tickets);
  }

  readonly #gone = new Map<string, () => void>();

  override subscribe(ticketId: string, listener: (ticket: Ticket) => void, gone?: () => void): Unsubscribe {
    if (gone !== undefined) this.#gone.set(ticketId, gone);
    const stop = super.subscribe(ticketId, listener);
    return () => {
      this.#gone.delete(ticketId);
      stop();
    };
  }

  /** Tells the ticket's watcher the store no longer has it, as a shared store's re-read would. */
  reportGone(ticketId: string): void {
    this.#gone.get(ticketId)?.();
  }
}

/**
 * Queue progress whose answers arrive later, as a shared store's do (Redis): the in-memory progress
 * behind promises. Its reads can be made to fail.
 */
export class DeferredProgress implements QueueProgress {
  readonly #inner = new InMemoryQueueProgress();
  /** While set, position and estimate reads fail with it. */
  readFailure: Error | undefined;

  recordPass(queue: string, waiting: WaitingAfterPass): Promise<void> {
    return this.#inner.recordPass(queue, waiting);
  }

  recordMatchedWaits(queue: string, waitsMs: readonly number[]): Promise<void> {
    return this.#inner.recordMatchedWaits(queue, waitsMs);
  }

  async positionOf(queue: string, ticket: QueueEntry): Promise<number> {
    if (this.readFailure !== undefined) throw this.readFailure;
    return this.#inner.positionOf(queue, ticket);
  }

  async estimatedWaitMs(queue: string, waitedMs: number): Promise<number | undefined> {
    if (this.readFailure !== undefined) throw this.readFailure;
    return this.#inner.estimatedWaitMs(queue, waitedMs);
  }

  onPass(queue: string, listener: () => void): Unsubscribe {
    return this.#inner.onPass(queue, listener);
  }
}

/** Discards everything: the harness's tests check tickets, events and the fleet, not metrics. */
export const noMetrics: MatchmakingMetrics = {
  ticketEnqueued() {},
  ticketCancelled() {},
  ticketsExpired() {},
  ticketsRequeued() {},
  ticketsWaiting() {},
  passCompleted() {},
  matchFormed() {},
  allocationAttempt() {},
  matchesDeferred() {},
  matchingSkipped() {},
  regionPaused() {},
  watchStreams() {},
};

/** The application layer wired to real in-memory adapters, a manual clock and a scripted fleet. */
export function applicationHarness(
  queues: readonly QueueConfig[],
  options: {
    staleAllocationMs?: number;
    progress?: QueueProgress;
    allocationTimeoutMs?: number;
    maxConcurrentAllocations?: number;
    /** Replaces the harness's metrics, which discard everything. */
    metrics?: MatchmakingMetrics;
  } = {},
) {
  const clock = new ManualClock();
  const store = new InMemoryTicketStore({ retentionMs: 600_000 });
  const events = new ScriptedEvents();
  const progress = options.progress ?? new InMemoryQueueProgress();
  const fleet = new ScriptedFleet();
  const issuer = new SequentialTickets(clock);
  const logger = pino({ level: "silent" });
  const metrics = options.metrics ?? noMetrics;
  const stats = new QueueStatsRecorder(new RecentMatches({ windowMs: 300_000, startedAt: clock.now() }), new InMemoryQueueStatsBoard());
  const deps: MatchmakingDeps = { store, events, catalog: new QueueCatalog(queues), progress, clock, ids: sequentialIds(), metrics };
  const placement = new MatchPlacement({
    store,
    events,
    progress,
    allocator: fleet,
    issuer,
    clock,
    logger,
    metrics,
    stats,
    allocationTimeoutMs: options.allocationTimeoutMs ?? 5_000,
    maxConcurrentAllocations: options.maxConcurrentAllocations ?? SETTING_DEFAULTS.maxConcurrentAllocations,
    // A store that fails is asked again at once: the tests script its failures, not their timing.
    storeRetryMs: 1,
  });
  const matchers = new Map(
    queues.map((queue) => [queue.name, new QueueMatcher(queue, { ...deps, placement, logger, stats, staleAllocationMs: options.staleAllocationMs ?? 60_000 })]),
  );
  const matchmaker: Matchmaker = createMatchmaker(deps);
  return {
    clock,
    store,
    events,
    progress,
    fleet,
    issuer,
    placement,
    matchmaker,
    /** One pass over `queue`, without waiting for the placements it started. */
    passWithoutPlacing(queue: string) {
      return matchers.get(queue)!.runPass(1);
    },
    /** One pass over `queue`, then waits for its placements. */
    async pass(queue: string) {
      const summary = await matchers.get(queue)!.runPass(1);
      await placement.drain();
      return summary;
    },
  };
}
