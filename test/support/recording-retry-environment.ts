import type { RetryEnvironment } from "../../src/clients/fleet/retry.ts";
import { ManualClock } from "./manual-clock.ts";

/** A retry environment whose waits return at once, move a manual clock and are recorded. */
export interface RecordingRetryEnvironment {
  readonly environment: RetryEnvironment;
  /** Every requested wait, in milliseconds, in order. */
  readonly waits: number[];
  readonly clock: ManualClock;
}

/**
 * `random` is fixed (0.5 by default) so the jittered waits are predictable; `onWait` runs during
 * each wait, for changing the world between two attempts (for example registering a server).
 */
export function recordingRetryEnvironment(
  options: { random?: number; onWait?: (waitNumber: number) => void | Promise<void> } = {},
): RecordingRetryEnvironment {
  const clock = new ManualClock();
  const waits: number[] = [];
  const environment: RetryEnvironment = {
    clock,
    random: () => options.random ?? 0.5,
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
      await options.onWait?.(waits.length);
    },
  };
  return { environment, waits, clock };
}
