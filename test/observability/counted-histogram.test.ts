import { describe, expect, it } from "vitest";
import { Histogram, Registry } from "prom-client";
import { CountedHistogram } from "../../src/observability/counted-histogram.ts";
import { MetricSamples } from "../support/prometheus-text.ts";

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 3];

describe("CountedHistogram", () => {
  it("writes what prom-client's Histogram writes for the same observations", async () => {
    const ours = new CountedHistogram({ name: "rpc_seconds", help: "Time to handle RPCs.", buckets: BUCKETS });
    const registry = new Registry();
    const theirs = new Histogram({ name: "rpc_seconds", help: "Time to handle RPCs.", labelNames: ["method"], buckets: BUCKETS, registers: [registry] });
    for (const method of ["Enqueue", "GetTicket"]) {
      const series = ours.series({ method });
      for (const value of OBSERVED) {
        series.observe(value);
        theirs.observe({ method }, value);
      }
    }
    expect(ours.exposition()).toBe(await registry.metrics());
  });

  it("counts a value equal to a bound in that bucket, and one above every bound only in +Inf", () => {
    const histogram = new CountedHistogram({ name: "h", help: "h", buckets: BUCKETS });
    const series = histogram.series({ method: "Enqueue" });
    series.observe(0.01);
    series.observe(5);
    const samples = new MetricSamples(histogram.exposition());
    expect(samples.get("h_bucket", { method: "Enqueue", le: "0.001" })).toBe(0);
    expect(samples.get("h_bucket", { method: "Enqueue", le: "0.01" })).toBe(1);
    expect(samples.get("h_bucket", { method: "Enqueue", le: "1" })).toBe(1);
    expect(samples.get("h_bucket", { method: "Enqueue", le: "+Inf" })).toBe(2);
    expect(samples.get("h_sum", { method: "Enqueue" })).toBe(5.01);
    expect(samples.get("h_count", { method: "Enqueue" })).toBe(2);
  });

  it("escapes label values and help text as the exposition format asks", () => {
    const histogram = new CountedHistogram({ name: "h", help: 'a \\ b\nc "d"', buckets: [1] });
    histogram.series({ method: 'quote " backslash \\ newline \n' }).observe(0.5);
    const text = histogram.exposition();
    expect(text.split("\n")[0]).toBe('# HELP h a \\\\ b\\nc "d"');
    expect(text).toContain('h_count{method="quote \\" backslash \\\\ newline \\n"} 1');
  });
});
