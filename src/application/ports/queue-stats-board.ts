/** One region of one queue as of a matching pass, plus the recent window of matches placed there. */
export interface RegionQueueStats {
  readonly region: string;
  /** Tickets left waiting after the pass whose lowest-latency region this is. */
  readonly ticketsWaiting: number;
  /** Players on those tickets. */
  readonly playersWaiting: number;
  /** Enqueue time (epoch ms) of the oldest of them; undefined when none wait. */
  readonly oldestWaitingSince: number | undefined;
  /** Wait percentiles, enqueue to match, of tickets matched within the window; undefined without any. */
  readonly waitP50Ms: number | undefined;
  readonly waitP90Ms: number | undefined;
  readonly waitP99Ms: number | undefined;
  /** Matches placed per minute over the window. */
  readonly matchesPerMinute: number;
}

/** What the instance that matched a queue last published about it. */
export interface QueueStatsSnapshot {
  readonly queue: string;
  /** When the figures were taken (epoch ms). */
  readonly takenAt: number;
  /** Length of the window the percentiles and rates cover. */
  readonly windowMs: number;
  /** One entry per configured region of the queue, in configuration order. */
  readonly regions: readonly RegionQueueStats[];
}

/**
 * Where queue statistics wait for operators. Only the instance running a queue's matching pass
 * knows its waiting tickets and recent matches, so it publishes them after every pass and any
 * instance answers GetQueueStats from here. Publishing replaces the queue's previous snapshot.
 */
export interface QueueStatsBoard {
  publish(snapshot: QueueStatsSnapshot): Promise<void>;
  /** The latest snapshot of every queue that has one. */
  read(): Promise<QueueStatsSnapshot[]>;
}
