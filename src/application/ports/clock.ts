/**
 * The source of time for every rule that depends on it (widening, expiry, estimates).
 *
 * Injected so that tests move time forward explicitly instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
