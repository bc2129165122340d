/** Latency percentiles of one run, in milliseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Percentiles of the first `count` samples (sorts them in place). */
export function summarize(samples: Float64Array, count = samples.length): LatencySummary {
  const sorted = samples.subarray(0, count).sort();
  const at = (q: number): number => (count === 0 ? Number.NaN : sorted[Math.min(count - 1, Math.floor(q * count))]!);
  return { p50: at(0.5), p99: at(0.99), max: count === 0 ? Number.NaN : sorted[count - 1]! };
}

/**
 * A fixed-capacity sample buffer: load generators record into preallocated memory so that recording
 * does not allocate (and collect garbage) in the middle of a measurement.
 */
export class Samples {
  readonly #values: Float64Array;
  #count = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  add(value: number): void {
    if (this.#count < this.#values.length) this.#values[this.#count++] = value;
  }

  get count(): number {
    return this.#count;
  }

  summary(): LatencySummary {
    return summarize(this.#values, this.#count);
  }
}
