import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadQueueConfigFile, parseQueueConfig } from "../../src/config/queue-config-file.ts";
import { configErrorOf } from "../support/rejection.ts";

const minimal = { name: "duel", teamCount: 2, teamSize: 1, regions: [{ name: "eu-west" }] };

describe("parseQueueConfig", () => {
  it("fills documented defaults", () => {
    const [queue] = parseQueueConfig({ queues: [minimal] });
    expect(queue).toMatchObject({
      minPartySize: 1,
      maxPartySize: 1,
      regions: [{ name: "eu-west", maxLatencyMs: 150 }],
      skillWindow: { initial: 100, perSecond: 10, max: 1000 },
      latency: { initialMs: 80, perSecondMs: 5 },
      ticketTtlMs: 300_000,
      tickIntervalMs: 1000,
    });
  });

  it("loads the shipped default file", () => {
    expect(loadQueueConfigFile("config/queues.json").map((queue) => queue.name)).toEqual(["duel", "squads-5v5", "ffa-8"]);
  });

  it.each([
    [{ queues: [{ ...minimal, teamSize: 0 }] }, "queues[0].teamSize"],
    [{ queues: [{ ...minimal, teamSize: 2.5 }] }, "queues[0].teamSize"],
    [{ queues: [{ ...minimal, maxPartySize: 3 }] }, "queues[0].maxPartySize"],
    [{ queues: [{ ...minimal, regions: [] }] }, "queues[0].regions"],
    [{ queues: [{ ...minimal, skillWindow: { initial: 500, max: 100 } }] }, "queues[0].skillWindow.max"],
    [{ queues: [{ ...minimal, latency: { initalMs: 5 } }] }, "queues[0].latency.initalMs"],
    [{ queues: [minimal, minimal] }, "queues[1].name"],
    [{ queues: [{ ...minimal, name: "Has Spaces" }] }, "queues[0].name"],
    [{ queues: [{ ...minimal, tickIntervalMs: "fast" }] }, "queues[0].tickIntervalMs"],
    [{ queues: [] }, "queues"],
    [{ queue: [] }, "queue"],
    [{ queues: [minimal], fleet: {} }, "fleet"],
  ])("names the bad key in %j", (document, key) => {
    expect(configErrorOf(() => parseQueueConfig(document)).key).toBe(key);
  });

  it.each([
    [{ queues: [] }, "config/queues.json.queues"],
    [{ queues: [minimal, minimal] }, "config/queues.json.queues[1].name"],
    [{ queues: [{ ...minimal, teamSize: 0 }] }, "config/queues.json.queues[0].teamSize"],
    [{ queues: [{ ...minimal, teamCount: 1 }] }, "config/queues.json.queues[0].teamCount"],
    [{ queues: [{ ...minimal, regions: [{ name: "eu" }, { name: "eu" }] }] }, "config/queues.json.queues[0].regions"],
  ])("names keys under the file's path the same way, whoever finds the problem, in %j", (document, key) => {
    expect(configErrorOf(() => parseQueueConfig(document, "config/queues.json")).key).toBe(key);
  });

  it("reports unreadable and malformed files", () => {
    const dir = mkdtempSync(join(tmpdir(), "queues-"));
    const path = join(dir, "queues.json");
    writeFileSync(path, "{ not json");
    expect(() => loadQueueConfigFile(path)).toThrow(/not valid JSON/);
    const missing = join(dir, "missing.json");
    expect(() => loadQueueConfigFile(missing)).toThrow(`MATCHMAKER_QUEUES_FILE: cannot read "${missing}": ENOENT`);
  });
});
