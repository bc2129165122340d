import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Passes a response stream through and reports how it ended: undefined when it completed, the error
 * it failed with, or CANCELED when the client went away before the end. Lets interceptors count and
 * time streams, whose handlers are still running when `next` returns.
 */
export function onStreamEnd<T>(messages: AsyncIterable<T>, ended: (error: unknown) => void): AsyncIterableIterator<T> {
  return new EndReportingStream(messages[Symbol.asyncIterator](), ended);
}

/**
 * The iterator behind {@link onStreamEnd}: a plain object rather than an async generator, because
 * every open stream holds one per interceptor for its whole life, and a suspended generator (its
 * registers, context and pending request) costs several times its size in memory (BENCHMARKS.md,
 * benchmark 4). For the same reason the CANCELED error is built only when a stream is cancelled: an
 * error made up front keeps its captured stack alive as long as the stream.
 */
class EndReportingStream<T> implements AsyncIterableIterator<T> {
  readonly #source: AsyncIterator<T>;
  #ended: ((error: unknown) => void) | undefined;

  constructor(source: AsyncIterator<T>, ended: (error: unknown) => void) {
    this.#source = source;
    this.#ended = ended;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#ended === undefined) return Promise.resolve({ done: true, value: undefined });
    return this.#source.next().then(
      (result) => {
        if (result.done === true) this.#end(undefined);
        return result;
      },
      (error: unknown) => {
        this.#end(error);
        throw error;
      },
    );
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
    ended?.(error);
  }
}
