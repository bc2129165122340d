/**
 * The rules of one queue (game mode): the shape of its matches and how patient its tickets are.
 *
 * Everything here is data so that studios can change matchmaking behaviour from configuration
 * without touching code; the functions below turn waiting time into the limits a ticket accepts.
 */
export interface QueueConfig {
  /** What clients enqueue into and metrics are labelled with: `[a-z0-9._-]`, up to 64 characters, unique. */
  readonly name: string;
  /** Human-readable text ListQueues returns for launchers; empty unless configured. */
  readonly description: string;
  /** Teams per match: 2 for 1v1 and 5v5, N for an N-player free-for-all. */
  readonly teamCount: number;
  /** Players per team. */
  readonly teamSize: number;
  /** Smallest party accepted (1 unless configured), for modes that only take premade groups. */
  readonly minPartySize: number;
  /** Never above `teamSize`: parties are never split across teams. */
  readonly maxPartySize: number;
  /** Where matches may be played (at least one, names unique); a ticket only where its latency is in bounds. */
  readonly regions: readonly RegionConfig[];
  /** Half-width of the skill range a ticket accepts around its own skill, widening while it waits. */
  readonly skillWindow: WideningLimit;
  /** Latency limit relaxation; each region's `maxLatencyMs` caps it. */
  readonly latency: LatencyRelaxation;
  /** How long a ticket may wait before it expires. */
  readonly ticketTtlMs: number;
  /** How often the matching loop runs for this queue. */
  readonly tickIntervalMs: number;
}

/** A region a queue places matches in. */
export interface RegionConfig {
  readonly name: string;
  /** Hard cap on a player's round-trip time to this region, whatever their waiting time. */
  readonly maxLatencyMs: number;
}

/**
 * A limit that starts at `initial`, grows by `perSecond` for every second a ticket has waited and
 * stops at `max`. A narrow start gives close matches to busy queues; widening keeps outliers from
 * waiting forever.
 */
export interface WideningLimit {
  readonly initial: number;
  readonly perSecond: number;
  readonly max: number;
}

/** How far a ticket's acceptable latency relaxes with waiting time, before the region cap. */
export interface LatencyRelaxation {
  readonly initialMs: number;
  readonly perSecondMs: number;
}

/**
 * The same rules without the regions named in `excluded`, for a pass that must leave those regions
 * alone; undefined when no region would remain (a queue always has one).
 */
export function withoutRegions(queue: QueueConfig, excluded: readonly string[]): QueueConfig | undefined {
  const regions = queue.regions.filter((region) => !excluded.includes(region.name));
  return regions.length === 0 ? undefined : { ...queue, regions };
}

/** Players in one full match. */
export function matchSize(queue: QueueConfig): number {
  return queue.teamCount * queue.teamSize;
}

/** Half-width of the skill window of a ticket that has waited `waitedMs`. */
export function skillWindowAfter(queue: QueueConfig, waitedMs: number): number {
  return widen(queue.skillWindow, waitedMs);
}

/** Highest latency to `region` that a ticket which has waited `waitedMs` accepts. */
export function latencyLimitAfter(queue: QueueConfig, region: RegionConfig, waitedMs: number): number {
  const relaxed = queue.latency.initialMs + (queue.latency.perSecondMs * Math.max(0, waitedMs)) / 1000;
  return Math.min(region.maxLatencyMs, relaxed);
}

function widen(limit: WideningLimit, waitedMs: number): number {
  return Math.min(limit.max, limit.initial + (limit.perSecond * Math.max(0, waitedMs)) / 1000);
}
