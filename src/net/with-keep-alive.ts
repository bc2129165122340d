import { keepAliveTicker } from "./keep-alive-ticker.ts";

/**
 * Passes `source`'s values through and inserts `keepAlive()` whenever `intervalMs` passes without a
 * value, so a long-lived stream is never silent long enough for a proxy's idle timeout to cut it.
 * An interval of 0 turns keep-alives off.
 *
 * The source is pulled only when the consumer asks for a value, and its pending `next()` is kept
 * across idle intervals, so a keep-alive never loses or reorders a value. Idle streams share one
 * timer ({@link keepAliveTicker}), so a keep-alive comes after between 3/4 and all of the interval.
 * Ending early (the consumer stops) asks the source to return; a source that is waiting when that
 * happens returns once its wait ends (for a watch, when its abort signal fires).
 */
export async function* withKeepAlive<T, K>(
  source: AsyncIterable<T>,
  intervalMs: number,
  keepAlive: () => K,
): AsyncGenerator<T | K, void, undefined> {
  if (intervalMs <= 0) {
    yield* source;
    return;
  }
  const ticker = keepAliveTicker(intervalMs);
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  // What the source's pending next() settled with, kept until the consumer asks for it.
  let arrived: IteratorResult<T> | undefined;
  let failed: { readonly error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const onIdle = (): void => wake?.();
  const pull = (): void => {
    iterator.next().then(
      (result) => {
        arrived = result;
        wake?.();
      },
      (error: unknown) => {
        failed = { error };
        wake?.();
      },
    );
  };
  let bucket: Set<() => void> | undefined;
  try {
    pull();
    for (;;) {
      if (arrived === undefined && failed === undefined) {
        bucket = ticker.schedule(onIdle);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        ticker.cancel(bucket, onIdle);
        bucket = undefined;
        if (arrived === undefined && failed === undefined) {
          yield keepAlive();
          continue;
        }
      }
      if (failed !== undefined) throw failed.error;
      const result: IteratorResult<T> = arrived!;
      arrived = undefined;
      if (result.done === true) {
        finished = true;
        return;
      }
      yield result.value;
      pull();
    }
  } finally {
    if (bucket !== undefined) ticker.cancel(bucket, onIdle);
    // A pending next() may still be outstanding: do not wait for it, the source ends on its own.
    if (!finished && failed === undefined) iterator.return?.().catch(() => undefined);
  }
}
