const IDLE: unique symbol = Symbol("idle");

/**
 * Passes `source`'s values through and inserts `keepAlive()` whenever `intervalMs` passes without a
 * value, so a long-lived stream is never silent long enough for a proxy's idle timeout to cut it.
 * An interval of 0 turns keep-alives off.
 *
 * The source is pulled only when the consumer asks for a value, and its pending `next()` is kept
 * across idle intervals, so a keep-alive never loses or reorders a value. Ending early (the consumer
 * stops) clears the timer and asks the source to return; a source that is waiting when that happens
 * returns once its wait ends (for a watch, when its abort signal fires).
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
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    let next = iterator.next();
    for (;;) {
      const idle = new Promise<typeof IDLE>((resolve) => {
        timer = setTimeout(resolve, intervalMs, IDLE);
      });
      const result = await Promise.race([next, idle]);
      clearTimeout(timer);
      if (result === IDLE) {
        yield keepAlive();
        continue;
      }
      if (result.done === true) {
        finished = true;
        return;
      }
      yield result.value;
      next = iterator.next();
    }
  } finally {
    clearTimeout(timer);
    // A pending next() may still be outstanding: do not wait for it, the source ends on its own.
    if (!finished) iterator.return?.().catch(() => undefined);
  }
}
