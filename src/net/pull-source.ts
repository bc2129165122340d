/**
 * `next()` by callbacks: the result goes to `onResult` (a failure to `onError`), possibly before
 * `pull` returns. The response side of a server stream (the application's ticket watch, the
 * keep-alive stream, the interceptors' end reporters) offers it besides `next()`, and the gRPC fast
 * path reads it that way: a message then passes from the watch to the HTTP/2 stream without a
 * promise and a reaction per layer, and an idle stream holds none (BENCHMARKS.md, benchmark 4).
 *
 * One pending pull (or `next()`) at a time, as every consumer of a response stream reads.
 */
export interface PullSource<T> {
  pull(onResult: (result: IteratorResult<T>) => void, onError: (error: unknown) => void): void;
}

/** An async iterator that may also offer {@link PullSource}. */
export type Pullable<T> = AsyncIterator<T> & Partial<PullSource<T>>;

/** Asks `source` for its next result: by its callbacks if it offers them, else through `next()`. */
export function pullNext<T>(source: Pullable<T>, onResult: (result: IteratorResult<T>) => void, onError: (error: unknown) => void): void {
  if (source.pull !== undefined) source.pull(onResult, onError);
  else source.next().then(onResult, onError);
}
