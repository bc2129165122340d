import { keepAliveTicker, type KeepAliveTicker } from "./keep-alive-ticker.ts";

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
export function withKeepAlive<T, K>(source: AsyncIterable<T>, intervalMs: number, keepAlive: () => K): AsyncIterableIterator<T | K> {
  return new KeepAliveStream(source[Symbol.asyncIterator](), intervalMs > 0 ? keepAliveTicker(intervalMs) : undefined, keepAlive);
}

interface Waiter<V> {
  readonly resolve: (result: IteratorResult<V>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The iterator behind {@link withKeepAlive}: a plain object rather than an async generator, because
 * every idle WatchTicket stream holds one for its whole life and a suspended generator costs several
 * times its size in memory (BENCHMARKS.md, benchmark 4).
 */
class KeepAliveStream<T, K> implements AsyncIterableIterator<T | K> {
  readonly #source: AsyncIterator<T>;
  /** Undefined when keep-alives are off. */
  readonly #ticker: KeepAliveTicker | undefined;
  readonly #keepAlive: () => K;
  /** Whether the source's next() is outstanding. */
  #pulling = false;
  /** What that next() settled with, kept until the consumer asks for it. */
  #arrived: IteratorResult<T> | undefined;
  #failed: { readonly error: unknown } | undefined;
  #finished = false;
  #waiter: Waiter<T | K> | undefined;
  #bucket: Set<() => void> | undefined;
  readonly #onIdle = (): void => {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    this.#bucket = undefined;
    waiter?.resolve({ done: false, value: this.#keepAlive() });
  };

  constructor(source: AsyncIterator<T>, ticker: KeepAliveTicker | undefined, keepAlive: () => K) {
    this.#source = source;
    this.#ticker = ticker;
    this.#keepAlive = keepAlive;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T | K>> {
    if (this.#finished) return Promise.resolve({ done: true, value: undefined });
    if (this.#arrived !== undefined || this.#failed !== undefined) return this.#take();
    if (!this.#pulling) this.#pull();
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#bucket = this.#ticker?.schedule(this.#onIdle);
    });
  }

  async return(): Promise<IteratorResult<T | K>> {
    if (this.#finished) return { done: true, value: undefined };
    this.#finished = true;
    this.#cancelKeepAlive();
    this.#waiter?.resolve({ done: true, value: undefined });
    this.#waiter = undefined;
    // A source still working on a next() ends on its own once that settles: do not wait for it.
    if (this.#pulling) this.#source.return?.().catch(() => undefined);
    else await this.#source.return?.();
    return { done: true, value: undefined };
  }

  #pull(): void {
    this.#pulling = true;
    this.#source.next().then(
      (result) => this.#settled(result, undefined),
      (error: unknown) => this.#settled(undefined, { error }),
    );
  }

  #settled(result: IteratorResult<T> | undefined, failed: { readonly error: unknown } | undefined): void {
    this.#pulling = false;
    if (this.#finished) return;
    this.#arrived = result;
    this.#failed = failed;
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    this.#cancelKeepAlive();
    this.#take().then(waiter.resolve, waiter.reject);
  }

  #take(): Promise<IteratorResult<T | K>> {
    const failed = this.#failed;
    const result = this.#arrived;
    this.#arrived = undefined;
    this.#failed = undefined;
    if (failed !== undefined) {
      this.#finished = true;
      return Promise.reject(failed.error);
    }
    if (result!.done === true) this.#finished = true;
    return Promise.resolve(result!);
  }

  #cancelKeepAlive(): void {
    if (this.#bucket !== undefined) this.#ticker?.cancel(this.#bucket, this.#onIdle);
    this.#bucket = undefined;
  }
}
