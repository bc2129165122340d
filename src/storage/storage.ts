import type { MatchingLeases } from "../application/ports/matching-leases.ts";
import type { QueueProgress } from "../application/ports/queue-progress.ts";
import type { QueueStatsBoard } from "../application/ports/queue-stats-board.ts";
import type { RedemptionLedger } from "../application/ports/redemption-ledger.ts";
import type { TicketEvents } from "../application/ports/ticket-events.ts";
import type { TicketStore } from "../application/ports/ticket-store.ts";
import type { Clock } from "../application/ports/clock.ts";
import { InMemoryQueueProgress } from "./memory/in-memory-queue-progress.ts";
import { InMemoryQueueStatsBoard } from "./memory/in-memory-queue-stats-board.ts";
import { InMemoryRedemptionLedger } from "./memory/in-memory-redemption-ledger.ts";
import { InMemoryTicketEvents } from "./memory/in-memory-ticket-events.ts";
import { InMemoryTicketStore } from "./memory/in-memory-ticket-store.ts";
import { SoloLeases } from "./memory/solo-leases.ts";

/** Every piece of shared state, from one backend: all in this process, or all in Redis. */
export interface Storage {
  /** The tickets, each state change atomic: what keeps a ticket from being matched twice or lost. */
  readonly store: TicketStore;
  /** Carries ticket changes to their watchers, on whichever instance they are connected. */
  readonly events: TicketEvents;
  /** Queue positions, wait estimates and the per-pass signal that tells watchers to re-check. */
  readonly progress: QueueProgress;
  /** Which instance matches each queue; in memory the one instance always holds every lease. */
  readonly leases: MatchingLeases;
  /** Match tickets already redeemed, so each admits its player once, whichever instance is asked. */
  readonly redemptions: RedemptionLedger;
  /** Queue statistics published by the instance matching each queue, for GetQueueStats on any instance. */
  readonly queueStats: QueueStatsBoard;
  /** Whether the backend answers now (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** What every storage backend needs, whichever it is, so switching backends changes no other option. */
export interface StorageOptions {
  readonly clock: Clock;
  /** How long terminal tickets stay readable. */
  readonly retentionMs: number;
}

/** The embedded default: one instance, nothing to run beside it, nothing kept across restarts. */
export function createInMemoryStorage(options: StorageOptions): Storage {
  return {
    store: new InMemoryTicketStore({ retentionMs: options.retentionMs }),
    events: new InMemoryTicketEvents(),
    progress: new InMemoryQueueProgress(),
    leases: new SoloLeases(),
    redemptions: new InMemoryRedemptionLedger(options.clock),
    queueStats: new InMemoryQueueStatsBoard(),
    ping: async () => true,
    close: async () => {},
  };
}
