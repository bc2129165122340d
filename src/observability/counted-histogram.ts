/** One labelled series of a {@link CountedHistogram}: what an observation updates. */
export class HistogramSeries {
  /** The series' label pairs as the exposition writes them, without braces: `a="x",b="y"`. */
  readonly labelText: string;
  /** Observations per bucket (not cumulative), in the histogram's bucket order. */
  readonly counts: Float64Array;
  readonly #bounds: Float64Array;
  sum = 0;
  count = 0;

  constructor(labelText: string, bounds: Float64Array) {
    this.labelText = labelText;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    if (bucket < bounds.length) this.counts[bucket]!++;
    this.sum += value;
    this.count++;
  }
}

/**
 * A Prometheus histogram counted in plain numbers and written out in the text exposition format
 * when it is scraped.
 *
 * Why not prom-client's Histogram: each of its observations converts, validates and hashes the
 * labels (a string built per call) before counting, which on the RPC path was a measurable share
 * of a small call's CPU (BENCHMARKS.md, benchmark 1). Here a caller looks its series up once and
 * an observation is a bucket search and three additions. prom-client has no way to be handed counts
 * kept elsewhere for a histogram (it has for counters, through `collect`), so this one is rendered
 * here and the scrape appends it to the registry's output.
 */
export class CountedHistogram {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: Float64Array;
  readonly #series: HistogramSeries[] = [];

  /** `buckets`: the upper bounds, ascending; the `+Inf` bucket is implied. */
  constructor(options: { readonly name: string; readonly help: string; readonly buckets: readonly number[] }) {
    this.#name = options.name;
    this.#help = options.help;
    this.#bounds = Float64Array.from(options.buckets);
  }

  /** A new series with these labels; callers keep it (one per label set), and it is exposed from now on. */
  series(labels: Readonly<Record<string, string>>): HistogramSeries {
    const labelText = Object.entries(labels)
      .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
      .join(",");
    const series = new HistogramSeries(labelText, this.#bounds);
    this.#series.push(series);
    return series;
  }

  /** The histogram in the Prometheus text format (version 0.0.4), ending with a newline. */
  exposition(): string {
    const name = this.#name;
    const lines = [`# HELP ${name} ${escapeHelp(this.#help)}`, `# TYPE ${name} histogram`];
    for (const series of this.#series) {
      // `le` first, as prom-client writes it, so the output is the same as a prom-client histogram's.
      const others = series.labelText === "" ? "" : `,${series.labelText}`;
      let cumulative = 0;
      for (let bucket = 0; bucket < this.#bounds.length; bucket++) {
        cumulative += series.counts[bucket]!;
        lines.push(`${name}_bucket{le="${this.#bounds[bucket]}"${others}} ${cumulative}`);
      }
      lines.push(`${name}_bucket{le="+Inf"${others}} ${series.count}`);
      const braces = series.labelText === "" ? "" : `{${series.labelText}}`;
      lines.push(`${name}_sum${braces} ${series.sum}`, `${name}_count${braces} ${series.count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

/** Label values escape backslash, double quote and line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (character) => (character === "\n" ? "\\n" : `\\${character}`));
}

/** Help text escapes backslash and line feed. */
function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (character) => (character === "\n" ? "\\n" : "\\\\"));
}
