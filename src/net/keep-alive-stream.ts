import { keepAliveTicker, type KeepAliveTicker } from "./keep-alive-ticker.ts";
import { pullNext, type Pullable, type PullSource } from "./pull-source.ts";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A response stream that turns a source's values into messages and inserts a keep-alive message
 * whenever its interval passes without one. Subclasses say how the source is opened, how a value
 * becomes a message and how the stream ends, so that a server stream's whole response side (mapping,
 * keep-alives, error mapping) is one object instead of a chain of generators.
 *
 * The source is opened on the first `next()` (so opening errors reach the consumer as that call's
 * failure, as a generator's would), pulled only when the consumer asks for a message, and its
 * pending `next()` is kept across idle intervals, so a keep-alive never loses or reorders a value.
 * Idle streams share one timer ({@link keepAliveTicker}), so a keep-alive comes after between 3/4
 * and all of the interval. Ending early (the consumer stops) asks the source to return.
 *
 * A plain object rather than an async generator, because every idle WatchTicket stream holds one for
 * its whole life and a suspended generator costs several times its size in memory (BENCHMARKS.md,
 * benchmark 4). For the same reason it reads its source, and can be read, by callbacks
 * ({@link PullSource}) when the other side offers them.
 */
export abstract class KeepAliveStream<T, M> implements AsyncIterableIterator<M>, PullSource<M> {
  /** Undefined when keep-alives are off. */
  readonly #ticker: KeepAliveTicker | undefined;
  #source: Pullable<T> | undefined;
  /** Whether the source's next() is outstanding. */
  #pulling = false;
  /** What that next() settled with, kept until the consumer asks for it. */
  #arrived: IteratorResult<T> | undefined;
  #failed: { readonly error: unknown } | undefined;
  #finished = false;
  /** The consumer's pending next() (or pull). */
  #resolve: ((result: IteratorResult<M>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #bucket: Set<() => void> | undefined;
  readonly #onIdle = (): void => {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#reject = undefined;
    this.#bucket = undefined;
    resolve?.({ done: false, value: this.keepAlive() });
  };
  readonly #onResult = (result: IteratorResult<T>): void => this.#settled(result, undefined);
  readonly #onError = (error: unknown): void => this.#settled(undefined, { error });

  constructor(intervalMs: number) {
    this.#ticker = intervalMs > 0 ? keepAliveTicker(intervalMs) : undefined;
  }

  /** The source, opened on the first `next()`; what it throws ends the stream through {@link failed}. */
  protected abstract open(): Pullable<T>;
  /** The message for one of the source's values. */
  protected abstract message(value: T): M;
  /** The message sent after an idle interval. */
  protected abstract keepAlive(): M;

  /** Called when the source is done; throws to end the stream with an error instead. */
  protected ended(): void {}

  /** What the consumer gets when the source fails (or cannot be opened). */
  protected failed(error: unknown): unknown {
    return error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<M>> {
    return new Promise((resolve, reject) => this.pull(resolve, reject));
  }

  pull(onResult: (result: IteratorResult<M>) => void, onError: (error: unknown) => void): void {
    if (this.#finished) {
      onResult(DONE);
      return;
    }
    if (this.#resolve !== undefined) {
      onError(new Error("a response stream takes one next() at a time"));
      return;
    }
    // A source read by callbacks may have answered before its pull returned.
    if (this.#arrived === undefined && this.#failed === undefined && !this.#pulling) this.#pull();
    if (this.#arrived !== undefined || this.#failed !== undefined) {
      this.#deliver(onResult, onError);
      return;
    }
    this.#resolve = onResult;
    this.#reject = onError;
    this.#bucket = this.#ticker?.schedule(this.#onIdle);
  }

  async return(): Promise<IteratorResult<M>> {
    if (this.#finished) return DONE;
    this.#finished = true;
    this.#cancelKeepAlive();
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#reject = undefined;
    resolve?.(DONE);
    // A source still working on a next() ends on its own once that settles: do not wait for it.
    if (this.#pulling) this.#source?.return?.().catch(() => undefined);
    else await this.#source?.return?.();
    return DONE;
  }

  /** Asks the source for its next value; if it cannot even be opened, {@link #failed} is set. */
  #pull(): void {
    let source: Pullable<T>;
    try {
      source = this.#source ??= this.open();
    } catch (error) {
      this.#failed = { error };
      return;
    }
    this.#pulling = true;
    pullNext(source, this.#onResult, this.#onError);
  }

  #settled(result: IteratorResult<T> | undefined, failed: { readonly error: unknown } | undefined): void {
    this.#pulling = false;
    if (this.#finished) return;
    this.#arrived = result;
    this.#failed = failed;
    const resolve = this.#resolve;
    const reject = this.#reject;
    if (resolve === undefined || reject === undefined) return;
    this.#resolve = undefined;
    this.#reject = undefined;
    this.#cancelKeepAlive();
    this.#deliver(resolve, reject);
  }

  /** Hands what the source settled with to the consumer: as a message, or as the stream's failure. */
  #deliver(onResult: (result: IteratorResult<M>) => void, onError: (error: unknown) => void): void {
    let taken: IteratorResult<M>;
    try {
      taken = this.#take();
    } catch (error) {
      onError(error);
      return;
    }
    onResult(taken);
  }

  /** What the consumer gets for what the source settled with; throws what the stream fails with. */
  #take(): IteratorResult<M> {
    const failed = this.#failed;
    const result = this.#arrived;
    this.#arrived = undefined;
    this.#failed = undefined;
    try {
      if (failed !== undefined) throw failed.error;
      if (result!.done !== true) return { done: false, value: this.message(result!.value) };
      this.#finished = true;
      this.ended();
      return DONE;
    } catch (error) {
      this.#finished = true;
      // A source that did not fail (a message that could not be made) still holds its subscriptions.
      if (failed === undefined) this.#source?.return?.().catch(() => undefined);
      throw this.failed(error);
    }
  }

  #cancelKeepAlive(): void {
    if (this.#bucket !== undefined) this.#ticker?.cancel(this.#bucket, this.#onIdle);
    this.#bucket = undefined;
  }
}
