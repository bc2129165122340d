/** How many ticks make one keep-alive interval: an idle stream hears from its ticker within (3/4, 1] of it. */
const TICKS_PER_INTERVAL = 4;

/**
 * One timer for every idle stream that shares a keep-alive interval, instead of a timer per stream
 * (20,000 idle WatchTicket streams would otherwise hold 20,000 timers, re-armed on every message).
 *
 * The interval is cut into four ticks, and an idle stream joins the bucket of the current tick. A
 * bucket fires when its tick comes round again, so a stream is called back after between 3/4 and
 * all of the interval without a message: never later than the interval, which is what proxies with
 * an idle timeout care about. The timer runs only while some stream is idle.
 */
export class KeepAliveTicker {
  readonly #tickMs: number;
  readonly #buckets: Set<() => void>[] = Array.from({ length: TICKS_PER_INTERVAL }, () => new Set());
  #current = 0;
  #waiting = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number) {
    this.#tickMs = Math.max(1, Math.floor(intervalMs / TICKS_PER_INTERVAL));
  }

  /** Calls `onIdle` once, about an interval from now, unless {@link cancel}led first. Returns the handle for that. */
  schedule(onIdle: () => void): Set<() => void> {
    const bucket = this.#buckets[this.#current]!;
    bucket.add(onIdle);
    this.#waiting++;
    this.#timer ??= setInterval(() => this.#tick(), this.#tickMs);
    return bucket;
  }

  cancel(bucket: Set<() => void>, onIdle: () => void): void {
    if (bucket.delete(onIdle)) this.#released(1);
  }

  /** Streams waiting for a keep-alive. */
  get waiting(): number {
    return this.#waiting;
  }

  #tick(): void {
    this.#current = (this.#current + 1) % TICKS_PER_INTERVAL;
    const due = this.#buckets[this.#current]!;
    if (due.size === 0) return;
    // A fresh set: callbacks may schedule again, into the bucket that is current from now on.
    this.#buckets[this.#current] = new Set();
    this.#released(due.size);
    for (const onIdle of due) onIdle();
  }

  #released(count: number): void {
    this.#waiting -= count;
    if (this.#waiting === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

const tickers = new Map<number, KeepAliveTicker>();

/** The process-wide ticker of an interval (a server has one keep-alive interval, so one ticker). */
export function keepAliveTicker(intervalMs: number): KeepAliveTicker {
  let ticker = tickers.get(intervalMs);
  if (ticker === undefined) {
    ticker = new KeepAliveTicker(intervalMs);
    tickers.set(intervalMs, ticker);
  }
  return ticker;
}
