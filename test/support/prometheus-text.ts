/** Samples of a Prometheus text exposition, looked up by metric name and labels (in any order). */
export class MetricSamples {
  readonly #samples = new Map<string, number>();

  constructor(text: string) {
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (match === null) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1]!, label[2]!]));
      this.#samples.set(seriesKey(match[1]!, labels), Number(match[3]));
    }
  }

  /** The sample's value, or undefined when the series is absent. */
  get(name: string, labels: Record<string, string> = {}): number | undefined {
    return this.#samples.get(seriesKey(name, labels));
  }

  /** Whether any series of this metric name is present. */
  has(name: string): boolean {
    return [...this.#samples.keys()].some((key) => key === name || key.startsWith(`${name}{`));
  }
}

/** Scrapes `url` (a `/metrics` endpoint) over HTTP. */
export async function scrape(url: string): Promise<MetricSamples> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  if (!response.headers.get("content-type")?.startsWith("text/plain; version=0.0.4")) {
    throw new Error(`GET ${url}: unexpected content type ${response.headers.get("content-type")}`);
  }
  return new MetricSamples(await response.text());
}

function seriesKey(name: string, labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${labels[key]}"`);
  return sorted.length === 0 ? name : `${name}{${sorted.join(",")}}`;
}
