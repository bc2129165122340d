import { describe, expect, it } from "vitest";
import { loadQueueConfigFile } from "../../src/config/queue-config-file.ts";
import { PrometheusMetrics } from "../../src/observability/prometheus-metrics.ts";
import { MetricSamples } from "../support/prometheus-text.ts";

const queues = loadQueueConfigFile("config/queues.json");
const enqueued = async (metrics: PrometheusMetrics, queue: string) =>
  new MetricSamples(await metrics.registry.metrics()).get("matchmaker_tickets_enqueued_total", { queue });

describe("PrometheusMetrics: tickets enqueued", () => {
  it("starts every configured queue at zero and counts each queue's tickets at every scrape", async () => {
    const metrics = new PrometheusMetrics(queues);
    for (const { name } of queues) expect(await enqueued(metrics, name)).toBe(0);
    metrics.ticketEnqueued("duel");
    metrics.ticketEnqueued("duel");
    expect(await enqueued(metrics, "duel")).toBe(2);
    metrics.ticketEnqueued("duel");
    expect(await enqueued(metrics, "duel")).toBe(3);
    expect(await enqueued(metrics, queues.find(({ name }) => name !== "duel")!.name)).toBe(0);
  });

  it("keeps each server's counts to itself", async () => {
    const first = new PrometheusMetrics(queues);
    const second = new PrometheusMetrics(queues);
    first.ticketEnqueued("duel");
    expect(await enqueued(first, "duel")).toBe(1);
    expect(await enqueued(second, "duel")).toBe(0);
  });
});
