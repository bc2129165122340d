/**
 * Shortest time between two updates to one watcher that change only its queue progress (position,
 * estimated wait). A pass runs every second or so and moves most positions; sending each move to
 * every watcher made tens of thousands of messages per pass, and a match's assignment waited behind
 * them (BENCHMARKS.md, benchmark 4). A queue screen needs no more than this; state changes (matched,
 * cancelled, expired) are never held back.
 */
export const PROGRESS_UPDATE_INTERVAL_MS = 5_000;

/**
 * When a watcher of a ticket created at `createdAt` may next be sent a progress-only update, seen
 * at `now`: the next multiple of the interval counted from the ticket's creation. Counting from
 * creation staggers watchers, so the updates of a queue spread over the interval instead of
 * landing on the same pass.
 */
export function nextProgressUpdateAt(createdAt: number, now: number): number {
  const elapsed = Math.max(0, now - createdAt);
  return createdAt + (Math.floor(elapsed / PROGRESS_UPDATE_INTERVAL_MS) + 1) * PROGRESS_UPDATE_INTERVAL_MS;
}
