import type { QueueStatsBoard, QueueStatsSnapshot } from "../../application/ports/queue-stats-board.ts";

/** The board of a single instance: the latest snapshot per queue, in this process. */
export class InMemoryQueueStatsBoard implements QueueStatsBoard {
  readonly #snapshots = new Map<string, QueueStatsSnapshot>();

  async publish(snapshot: QueueStatsSnapshot): Promise<void> {
    this.#snapshots.set(snapshot.queue, snapshot);
  }

  async read(): Promise<QueueStatsSnapshot[]> {
    return [...this.#snapshots.values()];
  }
}
