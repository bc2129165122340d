import type { QueueConfig, RegionConfig } from "../domain/queue-config.ts";
import { ConfigError } from "./config-error.ts";
import { ConfigReader } from "./config-reader.ts";
import { readSettingFile } from "./setting-file.ts";
import { errorMessage } from "../shared/error-message.ts";

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_MATCH_SIZE = 200;
const QUEUE_KEYS = [
  "name",
  "description",
  "teamCount",
  "teamSize",
  "minPartySize",
  "maxPartySize",
  "regions",
  "skillWindow",
  "latency",
  "ticketTtlSeconds",
  "tickIntervalMs",
];

/** Top-level keys of the configuration file; fleet routing keys are parsed by the fleet client. */
const ROOT_KEYS = ["queues", "fleets", "routes", "defaultFleet"];

/**
 * Parses the `queues` of the configuration document: each queue needs only `name`, `teamCount` and
 * `teamSize`; everything else has a documented default. Throws ConfigError naming the first bad key,
 * as a key path under `source` (the file's path): `config/queues.json.queues[1].teamSize`.
 */
export function parseQueueConfig(document: unknown, source = ""): QueueConfig[] {
  const root = new ConfigReader(document, source);
  root.onlyKeys(ROOT_KEYS);
  const readers = root.objects("queues");
  if (readers.length === 0) throw new ConfigError(root.keyPath("queues"), "at least one queue is required");
  const queues = readers.map(readQueue);
  const seen = new Set<string>();
  queues.forEach((queue, index) => {
    if (seen.has(queue.name)) throw new ConfigError(readers[index]!.keyPath("name"), `duplicate queue name "${queue.name}"`);
    seen.add(queue.name);
  });
  return queues;
}

/** Reads and parses the queues of a configuration file. */
export function loadQueueConfigFile(path: string): QueueConfig[] {
  return parseQueueConfig(readConfigDocument(path), path);
}

/** Reads a configuration file (JSON) without interpreting it. */
export function readConfigDocument(path: string): unknown {
  const text = readSettingFile("MATCHMAKER_QUEUES_FILE", path);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, `not valid JSON: ${errorMessage(error)}`);
  }
  return document;
}

function readQueue(queue: ConfigReader): QueueConfig {
  queue.onlyKeys(QUEUE_KEYS);
  const name = queue.string("name", NAME);
  const teamCount = queue.number("teamCount", { min: 1, max: MAX_MATCH_SIZE, integer: true });
  const teamSize = queue.number("teamSize", { min: 1, max: MAX_MATCH_SIZE, integer: true });
  if (teamCount * teamSize < 2) throw new ConfigError(queue.keyPath("teamCount"), "a match needs at least two players");
  if (teamCount * teamSize > MAX_MATCH_SIZE) {
    throw new ConfigError(queue.keyPath("teamSize"), `teamCount x teamSize must be at most ${MAX_MATCH_SIZE}`);
  }
  const minPartySize = queue.number("minPartySize", { min: 1, max: teamSize, integer: true }, 1);
  const maxPartySize = queue.number("maxPartySize", { min: minPartySize, max: teamSize, integer: true }, teamSize);
  const skill = queue.object("skillWindow");
  skill.onlyKeys(["initial", "perSecond", "max"]);
  const initialWindow = skill.number("initial", { min: 0, max: 1e9 }, 100);
  const latency = queue.object("latency");
  latency.onlyKeys(["initialMs", "perSecondMs"]);
  return {
    name,
    description: queue.string("description", /^[^\p{Cc}]{0,500}$/u, ""),
    teamCount,
    teamSize,
    minPartySize,
    maxPartySize,
    regions: readRegions(queue),
    skillWindow: {
      initial: initialWindow,
      perSecond: skill.number("perSecond", { min: 0, max: 1e9 }, 10),
      max: skill.number("max", { min: initialWindow, max: 1e9 }, 1000),
    },
    latency: {
      initialMs: latency.number("initialMs", { min: 0, max: 60_000 }, 80),
      perSecondMs: latency.number("perSecondMs", { min: 0, max: 60_000 }, 5),
    },
    ticketTtlMs: queue.number("ticketTtlSeconds", { min: 1, max: 86_400 }, 300) * 1000,
    tickIntervalMs: queue.number("tickIntervalMs", { min: 10, max: 60_000, integer: true }, 1000),
  };
}

function readRegions(queue: ConfigReader): RegionConfig[] {
  const regions = queue.objects("regions").map((region) => {
    region.onlyKeys(["name", "maxLatencyMs"]);
    return {
      name: region.string("name", NAME),
      maxLatencyMs: region.number("maxLatencyMs", { min: 1, max: 60_000 }, 150),
    };
  });
  if (regions.length === 0) throw new ConfigError(queue.keyPath("regions"), "at least one region is required");
  const names = new Set(regions.map((region) => region.name));
  if (names.size !== regions.length) throw new ConfigError(queue.keyPath("regions"), "region names must be unique");
  return regions;
}
