import type { Clock } from "./ports/clock.ts";
import type { IdGenerator } from "./ports/id-generator.ts";
import type { MatchmakingMetrics } from "./ports/matchmaking-metrics.ts";
import type { TicketEvents } from "./ports/ticket-events.ts";
import type { TicketStore } from "./ports/ticket-store.ts";
import type { QueueCatalog } from "./queue-catalog.ts";
import type { QueueProgress } from "./ports/queue-progress.ts";
import type { PlayerEnqueueLimit } from "./player-enqueue-limit.ts";

/** What the ticket use cases share. */
export interface MatchmakingDeps {
  readonly store: TicketStore;
  readonly events: TicketEvents;
  readonly catalog: QueueCatalog;
  readonly progress: QueueProgress;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly metrics: MatchmakingMetrics;
  /** How often each player may enqueue; absent, as often as they like. */
  readonly playerEnqueues?: PlayerEnqueueLimit;
}
