import { setTimeout as delay } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Clock, systemClock } from "../../application/ports/clock.ts";

/**
 * How a fleet client retries a call. Waits grow exponentially with full jitter (a uniformly random
 * wait between 0 and the exponential bound), which spreads the retries of many matchmaker
 * instances that failed at the same moment instead of having them hit the fleet in waves.
 */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** Upper bound of the first wait. */
  readonly initialBackoffMs: number;
  /** Upper bound of any wait. */
  readonly maxBackoffMs: number;
  /** Growth of the bound from one wait to the next. */
  readonly backoffMultiplier: number;
  /** Deadline of each call. */
  readonly callTimeoutMs: number;
  /** Bound on all attempts and waits together; no retry starts after it. */
  readonly totalTimeoutMs: number;
}

/** Waits `ms`, or rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Time and randomness of the retry loop, injected so that tests are deterministic. */
export interface RetryEnvironment {
  readonly sleep: Sleep;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly clock: Clock;
}

/** Real timers, `Math.random` and the system clock. */
export const realRetryEnvironment: RetryEnvironment = {
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : undefined);
  },
  random: Math.random,
  clock: systemClock,
};

/** A call failed for good: its error was not retryable, or attempts or time ran out. */
export class CallFailedError extends Error {
  override readonly name = "CallFailedError";
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** The last attempt's error. */
  override readonly cause: ConnectError;

  constructor(attempts: number, cause: ConnectError) {
    super(`${cause.message} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`, { cause });
    this.attempts = attempts;
    this.cause = cause;
  }
}

/** Upper bound of the wait before retry number `retry` (0 for the first retry). */
function backoffBoundMs(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.backoffMultiplier ** retry);
}

/** Options of {@link callWithRetries}. */
export interface CallWithRetriesOptions {
  readonly policy: RetryPolicy;
  readonly environment: RetryEnvironment;
  /** Whether an error is worth another attempt. */
  readonly isRetryable: (error: ConnectError) => boolean;
  readonly signal?: AbortSignal;
  /** Called before each wait, for logs. */
  readonly onRetry?: (error: ConnectError, attempt: number, waitMs: number) => void;
}

/**
 * Runs `call` until it succeeds, fails with a non-retryable error, or the policy's attempts or
 * total time run out. Each attempt gets the smaller of the call timeout and the time left.
 *
 * @throws CallFailedError with the last attempt's error.
 */
export async function callWithRetries<T>(
  call: (timeoutMs: number) => Promise<T>,
  options: CallWithRetriesOptions,
): Promise<T> {
  const { policy, environment, signal } = options;
  const startedAt = environment.clock.now();
  const remainingMs = (): number => policy.totalTimeoutMs - (environment.clock.now() - startedAt);
  for (let attempt = 1; ; attempt++) {
    let error: ConnectError;
    try {
      return await call(Math.max(1, Math.min(policy.callTimeoutMs, remainingMs())));
    } catch (thrown) {
      error = ConnectError.from(thrown);
    }
    if (signal?.aborted || attempt >= policy.maxAttempts || !options.isRetryable(error)) {
      throw new CallFailedError(attempt, error);
    }
    const waitMs = Math.floor(environment.random() * backoffBoundMs(policy, attempt - 1));
    if (waitMs >= remainingMs()) throw new CallFailedError(attempt, error);
    options.onRetry?.(error, attempt, waitMs);
    try {
      await environment.sleep(waitMs, signal);
    } catch (aborted) {
      throw new CallFailedError(attempt, new ConnectError("call cancelled while waiting to retry", Code.Canceled, undefined, undefined, aborted));
    }
  }
}
