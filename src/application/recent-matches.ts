/** Percentiles and rate of the matches placed in one region of one queue within the window. */
export interface RecentMatchFigures {
  readonly waitP50Ms: number | undefined;
  readonly waitP90Ms: number | undefined;
  readonly waitP99Ms: number | undefined;
  readonly matchesPerMinute: number;
}

/** Options of {@link RecentMatches}. */
export interface RecentMatchesOptions {
  /** How far back the figures look. */
  readonly windowMs: number;
  /** When recording began (epoch ms): before a full window has passed, rates cover the time since. */
  readonly startedAt: number;
  /** Most recent ticket waits kept per queue and region; bounds memory and the cost of a percentile. */
  readonly maxWaitSamples?: number;
}

const DEFAULT_MAX_WAIT_SAMPLES = 4096;
const MINUTE_MS = 60_000;

/**
 * A sliding window of the matches this instance placed, per queue and region: the waits of their
 * tickets (for percentiles) and their times (for a rate). Old entries fall out as time passes;
 * at most `maxWaitSamples` waits are kept per region, the most recent ones, so a busy region
 * costs bounded memory and its percentiles describe the latest matches.
 */
export class RecentMatches {
  readonly #options: Required<RecentMatchesOptions>;
  readonly #regions = new Map<string, { readonly matches: TimedSeries; readonly waits: TimedSeries }>();

  constructor(options: RecentMatchesOptions) {
    this.#options = { maxWaitSamples: DEFAULT_MAX_WAIT_SAMPLES, ...options };
  }

  get windowMs(): number {
    return this.#options.windowMs;
  }

  /** A match placed at `at` whose tickets waited `waitsMs`. */
  record(queue: string, region: string, waitsMs: readonly number[], at: number): void {
    const key = regionKey(queue, region);
    let series = this.#regions.get(key);
    if (series === undefined) {
      series = { matches: new TimedSeries(Infinity), waits: new TimedSeries(this.#options.maxWaitSamples) };
      this.#regions.set(key, series);
    }
    series.matches.push(at, 1);
    for (const wait of waitsMs) series.waits.push(at, wait);
  }

  /** The figures of the window ending at `now`. */
  figures(queue: string, region: string, now: number): RecentMatchFigures {
    const since = now - this.#options.windowMs;
    const series = this.#regions.get(regionKey(queue, region));
    series?.matches.dropBefore(since);
    series?.waits.dropBefore(since);
    // A typed array sorts numerically without a comparator call per comparison.
    const waits = (series?.waits.values() ?? new Float64Array(0)).sort();
    // Averaged over at least a minute, so the first match after start-up is not a spike.
    const coveredMs = Math.max(MINUTE_MS, Math.min(this.#options.windowMs, now - this.#options.startedAt));
    return {
      waitP50Ms: percentile(waits, 50),
      waitP90Ms: percentile(waits, 90),
      waitP99Ms: percentile(waits, 99),
      matchesPerMinute: ((series?.matches.size ?? 0) * MINUTE_MS) / coveredMs,
    };
  }
}

/** Nearest-rank percentile of ascending `sorted`; undefined when empty. */
function percentile(sorted: Float64Array, rank: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1)];
}

function regionKey(queue: string, region: string): string {
  return `${queue}\u0000${region}`;
}

/** Values in time order, dropped from the front as they age or when over capacity. */
class TimedSeries {
  readonly #capacity: number;
  #times: number[] = [];
  #values: number[] = [];
  #head = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#times.length - this.#head;
  }

  push(at: number, value: number): void {
    this.#times.push(at);
    this.#values.push(value);
    if (this.size > this.#capacity) this.#head++;
    this.#compact();
  }

  dropBefore(since: number): void {
    while (this.#head < this.#times.length && this.#times[this.#head]! < since) this.#head++;
    this.#compact();
  }

  /** A copy of the values kept, oldest first, for the caller to sort. */
  values(): Float64Array {
    const values = new Float64Array(this.size);
    for (let i = 0; i < values.length; i++) values[i] = this.#values[this.#head + i]!;
    return values;
  }

  /** Reclaims the dropped front once it is the larger part, keeping pushes and drops amortised O(1). */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#values = this.#values.slice(this.#head);
      this.#head = 0;
    }
  }
}
