import type { QueueConfig } from "../domain/queue-config.ts";
import type { QueueStatsBoard } from "./ports/queue-stats-board.ts";
import type { RecentMatches } from "./recent-matches.ts";
import type { RegionWaiting } from "./waiting-by-region.ts";

/**
 * Collects what the instance running a queue's matching learns, matches placed and tickets left
 * waiting, and publishes the queue's figures on the board after every pass. Publishing once per
 * pass bounds the cost whatever the match rate: figures are at most one tick old.
 */
export class QueueStatsRecorder {
  readonly #recent: RecentMatches;
  readonly #board: QueueStatsBoard;

  constructor(recent: RecentMatches, board: QueueStatsBoard) {
    this.#recent = recent;
    this.#board = board;
  }

  /** A match got its server at `at`; `waitsMs` has each of its tickets' wait. */
  matchPlaced(queue: string, region: string, waitsMs: readonly number[], at: number): void {
    this.#recent.record(queue, region, waitsMs, at);
  }

  /** Publishes the queue's figures after a pass that left `waiting` in the queue. */
  async passCompleted(queue: QueueConfig, waiting: readonly RegionWaiting[], at: number): Promise<void> {
    await this.#board.publish({
      queue: queue.name,
      takenAt: at,
      windowMs: this.#recent.windowMs,
      regions: waiting.map((region) => ({
        region: region.region,
        ticketsWaiting: region.tickets,
        playersWaiting: region.players,
        oldestWaitingSince: region.oldestCreatedAt,
        ...this.#recent.figures(queue.name, region.region, at),
      })),
    });
  }
}
