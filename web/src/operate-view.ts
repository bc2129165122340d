import type { GetQueueStatsResponse, QueueRegionStats } from "../../src/gen/matchmaking/v1/operator_pb.js";
import { describeError, operator, withToken } from "./api.ts";
import { lineChart } from "./chart.ts";
import type { Credentials } from "./credentials.ts";
import { h, type View } from "./dom.ts";
import { durationMs, formatWait, timestampMs } from "./format.ts";

/** GetQueueStats is cheap enough to call every second (its documentation says so). */
const POLL_INTERVAL_MS = 1000;
/** The charts show the last five minutes. */
const HISTORY_SAMPLES = 300;
const CHART = { width: 360, height: 72, capacity: HISTORY_SAMPLES } as const;

/** One queue's totals over all its regions at one poll. */
interface Sample {
  readonly ticketsWaiting: number;
  readonly oldestWaitMs: number;
}

/**
 * The "operate" tab: every queue and region with tickets waiting, wait-time percentiles and matches
 * per minute, polled every second, with each queue's waiting tickets and oldest wait charted over
 * the last minutes. Needs a service token.
 */
export function operateView(credentials: Credentials): View {
  const summary = h("p", { class: "hint", "data-testid": "stats-summary" }, "Loading queue statistics…");
  const queuesPanel = h("div", { class: "queues" });
  const status = h("p", { class: "status", role: "status", "data-testid": "operate-status" });
  const element = h("section", { class: "view operate", "data-testid": "operate-view" }, h("h2", {}, "Queues"), summary, queuesPanel, status);
  const history = new Map<string, Sample[]>();
  let timer: number | undefined;
  let running = false;

  const poll = async (): Promise<void> => {
    try {
      const token = await credentials.token("service", "console");
      const stats = await operator.getQueueStats({}, withToken(token));
      record(history, stats.stats);
      render(stats);
      status.textContent = "";
      status.classList.remove("error");
    } catch (error) {
      status.textContent = `GetQueueStats failed: ${describeError(error)}`;
      status.classList.add("error");
    }
    if (running) timer = window.setTimeout(() => void poll(), POLL_INTERVAL_MS);
  };

  const render = (response: GetQueueStatsResponse): void => {
    const observedAt = timestampMs(response.observedAt);
    summary.textContent =
      `Percentiles and match rates over the last ${formatWait(durationMs(response.window))}` +
      (observedAt === undefined ? "." : `; observed ${new Date(observedAt).toLocaleTimeString()}.`);
    const byQueue = Map.groupBy(response.stats, (row) => row.queue);
    queuesPanel.replaceChildren(...[...byQueue].map(([queue, rows]) => queueCard(queue, rows, history.get(queue) ?? [])));
  };

  return {
    element,
    start() {
      if (running) return;
      running = true;
      void poll();
    },
    stop() {
      running = false;
      window.clearTimeout(timer);
    },
  };
}

function record(history: Map<string, Sample[]>, rows: readonly QueueRegionStats[]): void {
  for (const [queue, regions] of Map.groupBy(rows, (row) => row.queue)) {
    const samples = history.get(queue) ?? [];
    samples.push({
      ticketsWaiting: regions.reduce((sum, row) => sum + row.ticketsWaiting, 0),
      oldestWaitMs: Math.max(0, ...regions.map((row) => durationMs(row.oldestWait) ?? 0)),
    });
    history.set(queue, samples.slice(-HISTORY_SAMPLES));
  }
}

function queueCard(queue: string, rows: readonly QueueRegionStats[], samples: readonly Sample[]): HTMLElement {
  const latest = samples.at(-1);
  return h(
    "article",
    { class: "queue-card", "data-testid": `queue-${queue}` },
    h("h3", {}, queue),
    h(
      "div",
      { class: "chart-box" },
      lineChart(
        [
          { label: "tickets waiting", className: "tickets", values: samples.map((sample) => sample.ticketsWaiting) },
          { label: "oldest wait", className: "wait", values: samples.map((sample) => sample.oldestWaitMs) },
        ],
        CHART,
      ),
      h(
        "p",
        { class: "legend" },
        h("span", { class: "key tickets" }, `tickets waiting ${latest?.ticketsWaiting ?? 0} (max ${Math.max(0, ...samples.map((s) => s.ticketsWaiting))})`),
        h("span", { class: "key wait" }, `oldest wait ${formatWait(latest?.oldestWaitMs)}`),
        h("span", { class: "hint" }, "last 5 minutes"),
      ),
    ),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h("tr", {}, ...["Region", "Tickets", "Players", "Oldest wait", "p50", "p90", "p99", "Matches/min"].map((title) => h("th", { scope: "col" }, title))),
      ),
      h(
        "tbody",
        {},
        ...rows.map((row) =>
          h(
            "tr",
            { "data-testid": `stats-${row.queue}-${row.region}` },
            h("th", { scope: "row" }, row.region),
            cell("tickets-waiting", String(row.ticketsWaiting)),
            cell("players-waiting", String(row.playersWaiting)),
            cell("oldest-wait", formatWait(durationMs(row.oldestWait))),
            cell("wait-p50", formatWait(durationMs(row.waitP50))),
            cell("wait-p90", formatWait(durationMs(row.waitP90))),
            cell("wait-p99", formatWait(durationMs(row.waitP99))),
            cell("matches-per-minute", row.matchesPerMinute.toFixed(1)),
          ),
        ),
      ),
    ),
  );
}

function cell(field: string, text: string): HTMLTableCellElement {
  return h("td", { "data-field": field }, text);
}
