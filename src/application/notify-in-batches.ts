/**
 * Listeners called per event-loop turn when a signal fans out to many of them. Measured with 20,000
 * watchers (BENCHMARKS.md, benchmark 4): 256 gave an assignment p99 of 91 ms, 64 gave 74 ms.
 */
export const NOTIFY_BATCH_SIZE = 64;

/**
 * Calls every listener, a batch per event-loop turn. A matching pass signals every watcher of its
 * queue (tens of thousands); calling them all at once would run all their position updates before
 * any I/O, so a match's assignment would wait behind them. Between batches, I/O goes first.
 */
export function notifyInBatches(listeners: Iterable<() => void>): void {
  const pending = [...listeners];
  let next = 0;
  const runBatch = (): void => {
    const end = Math.min(next + NOTIFY_BATCH_SIZE, pending.length);
    for (; next < end; next++) pending[next]!();
    if (next < pending.length) setImmediate(runBatch);
  };
  runBatch();
}
