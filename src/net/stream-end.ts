import { Code, ConnectError } from "@connectrpc/connect";
import { pullNext, type Pullable, type PullSource } from "./pull-source.ts";

/**
 * Passes a response stream through and reports how it ended: undefined when it completed, the error
 * it failed with, or CANCELED when the client went away before the end. Lets interceptors count and
 * time streams, whose handlers are still running when `next` returns.
 *
 * Every interceptor of a call asks for its stream: a stream this returned already takes the new
 * report too (called after the earlier ones, as an outer wrapper's would be) instead of being
 * wrapped once more, so a message passes one reporter rather than one per interceptor.
 */
export function onStreamEnd<T>(messages: AsyncIterable<T>, ended: (error: unknown) => void): AsyncIterableIterator<T> {
  if (messages instanceof EndReportingStream && messages.alsoReport(ended)) return messages;
  return new EndReportingStream<T>(messages[Symbol.asyncIterator](), ended);
}

/**
 * The iterator behind {@link onStreamEnd}: a plain object rather than an async generator, because
 * every open stream holds one for its whole life, and a suspended generator (its registers, context
 * and pending request) costs several times its size in memory (BENCHMARKS.md, benchmark 4). For the
 * same reason the CANCELED error is built only when a stream is cancelled: an error made up front
 * keeps its captured stack alive as long as the stream.
 */
class EndReportingStream<T> implements AsyncIterableIterator<T>, PullSource<T> {
  readonly #source: Pullable<T>;
  /** Undefined once the end was reported. */
  #ended: ((error: unknown) => void)[] | undefined;
  /** The consumer's pending next() (or pull). */
  #resolve: ((result: IteratorResult<T>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  /**
   * The callbacks given to the source, made once: an open stream always has one read pending, which
   * held a pair of them anyway, and fresh ones per read were garbage per message.
   */
  readonly #onResult = (result: IteratorResult<T>): void => {
    const resolve = this.#resolve!;
    const reject = this.#reject!;
    this.#resolve = undefined;
    this.#reject = undefined;
    try {
      if (result.done === true) this.#end(undefined);
    } catch (error) {
      reject(error);
      return;
    }
    resolve(result);
  };
  readonly #onError = (error: unknown): void => {
    const reject = this.#reject!;
    this.#resolve = undefined;
    this.#reject = undefined;
    try {
      this.#end(error);
    } catch (reportError) {
      reject(reportError);
      return;
    }
    reject(error);
  };

  constructor(source: Pullable<T>, ended: (error: unknown) => void) {
    this.#source = source;
    this.#ended = [ended];
  }

  /** Adds a report of the end; false if the end was already reported. */
  alsoReport(ended: (error: unknown) => void): boolean {
    this.#ended?.push(ended);
    return this.#ended !== undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    return new Promise((resolve, reject) => this.pull(resolve, reject));
  }

  pull(onResult: (result: IteratorResult<T>) => void, onError: (error: unknown) => void): void {
    if (this.#ended === undefined) {
      onResult({ done: true, value: undefined });
      return;
    }
    if (this.#resolve !== undefined) {
      onError(new Error("a response stream takes one next() at a time"));
      return;
    }
    this.#resolve = onResult;
    this.#reject = onError;
    pullNext(this.#source, this.#onResult, this.#onError);
  }

  async return(): Promise<IteratorResult<T>> {
    if (this.#ended === undefined) return { done: true, value: undefined };
    try {
      await this.#source.return?.();
    } finally {
      this.#end(new ConnectError("the client ended the stream", Code.Canceled));
    }
    return { done: true, value: undefined };
  }

  #end(error: unknown): void {
    const ended = this.#ended;
    this.#ended = undefined;
    if (ended !== undefined) for (const report of ended) report(error);
  }
}
