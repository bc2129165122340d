/**
 * How much one newly observed wait moves a queue's estimate (exponentially weighted moving
 * average): small, so one unlucky player does not swing what everyone else is told.
 */
export const WAIT_SMOOTHING = 0.1;

/** The queue's average matched wait after one more observation; the first one sets it. */
export function nextAverageWaitMs(average: number | undefined, waitedMs: number): number {
  return average === undefined ? waitedMs : average + WAIT_SMOOTHING * (waitedMs - average);
}

/**
 * The expected remaining wait of a ticket that has waited `waitedMs`, in whole seconds (as ms):
 * finer figures would only make watchers churn on every pass.
 */
export function remainingWaitMs(averageWaitMs: number, waitedMs: number): number {
  return Math.max(0, Math.round((averageWaitMs - waitedMs) / 1000) * 1000);
}
