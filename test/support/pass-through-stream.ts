import { KeepAliveStream } from "../../src/net/keep-alive-stream.ts";
import type { PullSource } from "../../src/net/pull-source.ts";

/**
 * The simplest {@link KeepAliveStream}: `source`'s values pass through unchanged and `keepAlive()`
 * comes after each idle `intervalMs` (0: never), so tests can drive the base class's ordering,
 * keep-alive and ending rules without the WatchTicket mapping built on it.
 */
export function withKeepAlive<T, K>(
  source: AsyncIterable<T>,
  intervalMs: number,
  keepAlive: () => K,
): AsyncIterableIterator<T | K> & PullSource<T | K> {
  return new PassThroughStream(source, intervalMs, keepAlive);
}

class PassThroughStream<T, K> extends KeepAliveStream<T, T | K> {
  readonly #source: AsyncIterable<T>;
  readonly #keepAlive: () => K;

  constructor(source: AsyncIterable<T>, intervalMs: number, keepAlive: () => K) {
    super(intervalMs);
    this.#source = source;
    this.#keepAlive = keepAlive;
  }

  protected open(): AsyncIterator<T> {
    return this.#source[Symbol.asyncIterator]();
  }

  protected message(value: T): T {
    return value;
  }

  protected keepAlive(): K {
    return this.#keepAlive();
  }
}
