import type { Caller } from "./caller.ts";
import { PermissionDeniedError } from "./errors.ts";
import type { Clock } from "./ports/clock.ts";
import type { QueueStatsBoard, RegionQueueStats } from "./ports/queue-stats-board.ts";
import type { QueueCatalog } from "./queue-catalog.ts";

/** What GetQueueStats reads. */
export interface QueueStatsDeps {
  readonly catalog: QueueCatalog;
  readonly board: QueueStatsBoard;
  readonly clock: Clock;
  /** The window the figures cover, reported alongside them. */
  readonly windowMs: number;
}

/** One region of one queue, as an operator sees it. */
export interface QueueRegionReport extends Omit<RegionQueueStats, "oldestWaitingSince"> {
  readonly queue: string;
  /** How long the oldest waiting ticket has waited at the time of the report; 0 when none wait. */
  readonly oldestWaitMs: number;
  /** When the queue's last pass published these figures; undefined before its first pass. */
  readonly updatedAt: number | undefined;
}

/** The answer to GetQueueStats. */
export interface QueueStatsReport {
  readonly observedAt: number;
  readonly windowMs: number;
  /** Every region of every requested queue, in configuration order. */
  readonly regions: readonly QueueRegionReport[];
}

/**
 * Per queue and region figures for operators and dashboards. Service callers only: wait times and
 * queue depth are operational data, not something a game client needs. A queue or region no pass
 * has reported on yet appears with zeros rather than missing, so dashboards keep a stable shape.
 *
 * @param queueName a queue to restrict the answer to; empty for all. NotFoundError when unknown.
 */
export async function getQueueStats(deps: QueueStatsDeps, caller: Caller, queueName: string): Promise<QueueStatsReport> {
  if (caller.kind !== "service") throw new PermissionDeniedError("queue statistics require a service credential");
  const queues = queueName === "" ? deps.catalog.list() : [deps.catalog.get(queueName)];
  const snapshots = new Map((await deps.board.read()).map((snapshot) => [snapshot.queue, snapshot]));
  const now = deps.clock.now();
  const regions = queues.flatMap((queue) => {
    const snapshot = snapshots.get(queue.name);
    return queue.regions.map((region): QueueRegionReport => {
      const stats = snapshot?.regions.find((entry) => entry.region === region.name);
      const { oldestWaitingSince, ...figures } = stats ?? emptyRegion(region.name);
      return {
        queue: queue.name,
        ...figures,
        oldestWaitMs: oldestWaitingSince === undefined ? 0 : Math.max(0, now - oldestWaitingSince),
        updatedAt: snapshot?.takenAt,
      };
    });
  });
  return { observedAt: now, windowMs: deps.windowMs, regions };
}

function emptyRegion(region: string): RegionQueueStats {
  return {
    region,
    ticketsWaiting: 0,
    playersWaiting: 0,
    oldestWaitingSince: undefined,
    waitP50Ms: undefined,
    waitP90Ms: undefined,
    waitP99Ms: undefined,
    matchesPerMinute: 0,
  };
}
