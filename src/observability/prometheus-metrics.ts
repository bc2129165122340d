import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FleetLoadReport } from "../application/match-placement.ts";
import type { AllocationOutcome, MatchmakingMetrics, RequeueReason } from "../application/ports/matchmaking-metrics.ts";
import type { QueueConfig } from "../domain/queue-config.ts";
import type { RpcLabels, RpcMetrics } from "../net/rpc-observer.ts";
import { CountedHistogram, type HistogramSeries } from "./counted-histogram.ts";

const ALLOCATION_OUTCOMES: readonly AllocationOutcome[] = ["success", "failure", "timeout"];
const REQUEUE_REASONS: readonly RequeueReason[] = ["allocation_failed", "allocation_not_started", "assignment_failed", "orphaned"];

/** Enqueue to match: seconds for quick queues up to ten minutes for patient ones. */
const WAIT_BUCKETS_SECONDS = [0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];
/** A pass is in-memory work plus store round trips: sub-millisecond to seconds. */
const PASS_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const RPC_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The matchmaker's metrics as Prometheus time series, in a registry of their own (not prom-client's
 * global one) so that several servers can live in one process, as in tests.
 *
 * Labels are bounded: queue, region and fleet names come from configuration and RPC labels from the
 * service descriptors; no ticket, match or user id ever becomes a label. Every series of a
 * configured queue and region exists from the start at zero, so rates and ratios (the allocation
 * success rate) are defined before the first event; a fleet's gauges appear once placement first
 * uses the fleet. RPC series follow the go-grpc-prometheus names
 * that existing gRPC dashboards expect.
 */
export class PrometheusMetrics implements MatchmakingMetrics, RpcMetrics {
  readonly registry = new Registry();
  readonly #enqueued: Counter<"queue">;
  /** Tickets enqueued per queue, handed to {@link #enqueued} when it is scraped: one per Enqueue. */
  readonly #enqueuedCounts = new Map<string, { count: number }>();
  readonly #cancelled: Counter<"queue">;
  readonly #expired: Counter<"queue">;
  readonly #requeued: Counter<"queue" | "reason">;
  readonly #waiting: Gauge<"queue" | "region">;
  readonly #waitSeconds: Histogram<"queue" | "region">;
  readonly #matches: Counter<"queue" | "region">;
  readonly #deferred: Counter<"queue" | "region">;
  readonly #skipped: Counter<"queue">;
  readonly #allocations: Counter<"queue" | "region" | "outcome">;
  readonly #pausedSeconds: Counter<"queue" | "region">;
  readonly #passSeconds: Histogram<"queue">;
  readonly #watchStreams: Gauge;
  readonly #fleetHeld: Gauge<"fleet">;
  readonly #fleetAnswerSeconds: Gauge<"fleet">;
  /** Where the fleet gauges read their values at each scrape (see {@link reportFleets}). */
  #fleetLoads: () => readonly FleetLoadReport[] = () => [];
  readonly #rpcStarted: Counter<"grpc_type" | "grpc_service" | "grpc_method">;
  readonly #rpcHandled: Counter<"grpc_type" | "grpc_service" | "grpc_method" | "grpc_code">;
  readonly #rpcSeconds = new CountedHistogram({
    name: "grpc_server_handling_seconds",
    help: "Time to handle unary RPCs (streams last as long as the client watches, so they are not timed).",
    buckets: RPC_BUCKETS_SECONDS,
  });
  /** Calls counted per service and method, handed to the two RPC counters when they are scraped. */
  readonly #rpcCounts = new Map<string, Map<string, RpcCounts>>();

  constructor(queues: readonly QueueConfig[]) {
    const registers = [this.registry];
    this.#enqueued = new Counter({
      name: "matchmaker_tickets_enqueued_total",
      help: "Tickets created by Enqueue (idempotent replays not counted).",
      labelNames: ["queue"],
      registers,
      collect: () => {
        this.#enqueued.reset();
        for (const [queue, { count }] of this.#enqueuedCounts) this.#enqueued.inc({ queue }, count);
      },
    });
    this.#cancelled = new Counter({
      name: "matchmaker_tickets_cancelled_total",
      help: "Queued tickets cancelled by their owner.",
      labelNames: ["queue"],
      registers,
    });
    this.#expired = new Counter({
      name: "matchmaker_tickets_expired_total",
      help: "Tickets that waited past their queue's time-to-live.",
      labelNames: ["queue"],
      registers,
    });
    this.#requeued = new Counter({
      name: "matchmaker_tickets_requeued_total",
      help: "Claimed tickets returned to the queue with their priority, by reason.",
      labelNames: ["queue", "reason"],
      registers,
    });
    this.#waiting = new Gauge({
      name: "matchmaker_tickets_waiting",
      help: "Tickets left waiting after the last matching pass, each in its lowest-latency region.",
      labelNames: ["queue", "region"],
      registers,
    });
    this.#waitSeconds = new Histogram({
      name: "matchmaker_ticket_wait_seconds",
      help: "Time from enqueue to match of matched tickets.",
      labelNames: ["queue", "region"],
      buckets: WAIT_BUCKETS_SECONDS,
      registers,
    });
    this.#matches = new Counter({
      name: "matchmaker_matches_formed_total",
      help: "Matches that got a game server and were assigned.",
      labelNames: ["queue", "region"],
      registers,
    });
    this.#deferred = new Counter({
      name: "matchmaker_matches_deferred_total",
      help: "Matches a pass formed but left unclaimed because placement was full for their region's fleet (allocations running and waiting at their limit); their tickets stayed queued.",
      labelNames: ["queue", "region"],
      registers,
    });
    this.#skipped = new Counter({
      name: "matchmaker_matching_skipped_total",
      help: "Passes that did not match at all because placement was full for the fleets of every region the queue may match in.",
      labelNames: ["queue"],
      registers,
    });
    this.#allocations = new Counter({
      name: "matchmaker_allocation_attempts_total",
      help: "Game-server allocations for formed matches that reached the fleet (fleet retries included), by outcome: success, failure, timeout.",
      labelNames: ["queue", "region", "outcome"],
      registers,
    });
    this.#pausedSeconds = new Counter({
      name: "matchmaker_region_paused_seconds_total",
      help: "Seconds matching left a region alone after its fleet failed to allocate, counted when each pause begins.",
      labelNames: ["queue", "region"],
      registers,
    });
    this.#passSeconds = new Histogram({
      name: "matchmaker_matching_pass_duration_seconds",
      help: "Wall time of one matching pass over a queue.",
      labelNames: ["queue"],
      buckets: PASS_BUCKETS_SECONDS,
      registers,
    });
    this.#watchStreams = new Gauge({
      name: "matchmaker_watch_streams_active",
      help: "WatchTicket streams open on this instance.",
      registers,
    });
    this.#fleetHeld = new Gauge({
      name: "matchmaker_fleet_matches_held",
      help: "Matches held for a game-server fleet and not placed yet: being claimed, allocating, waiting in line for an allocation slot, or being assigned.",
      labelNames: ["fleet"],
      registers,
      collect: () => {
        this.#fleetHeld.reset();
        for (const { fleet, held } of this.#fleetLoads()) this.#fleetHeld.set({ fleet }, held);
      },
    });
    this.#fleetAnswerSeconds = new Gauge({
      name: "matchmaker_fleet_answer_seconds",
      help: "How long a fleet is expected to take to answer an allocation, which sizes the line of matches a pass may claim for it. Absent until the fleet has allocated a server once.",
      labelNames: ["fleet"],
      registers,
      collect: () => {
        this.#fleetAnswerSeconds.reset();
        for (const { fleet, expectedAnswerMs } of this.#fleetLoads()) {
          if (expectedAnswerMs !== undefined) this.#fleetAnswerSeconds.set({ fleet }, expectedAnswerMs / 1000);
        }
      },
    });
    this.#rpcStarted = new Counter({
      name: "grpc_server_started_total",
      help: "RPCs started on the server (gRPC, gRPC-Web and Connect).",
      labelNames: ["grpc_type", "grpc_service", "grpc_method"],
      registers,
      collect: () => {
        this.#rpcStarted.reset();
        for (const counts of this.#allRpcCounts()) this.#rpcStarted.inc(counts.labels, counts.started);
      },
    });
    this.#rpcHandled = new Counter({
      name: "grpc_server_handled_total",
      help: "RPCs completed on the server, by gRPC status code.",
      labelNames: ["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
      registers,
      collect: () => {
        this.#rpcHandled.reset();
        for (const counts of this.#allRpcCounts()) {
          for (const [code, handled] of counts.handled) this.#rpcHandled.inc({ ...counts.labels, grpc_code: code }, handled);
        }
      },
    });
    collectDefaultMetrics({ register: this.registry });
    this.#startAtZero(queues);
  }

  /**
   * Reads each fleet's load from `loads` at every scrape (placement's, once it exists). Fleet names
   * come from configuration, so the labels stay bounded.
   */
  reportFleets(loads: () => readonly FleetLoadReport[]): void {
    this.#fleetLoads = loads;
  }

  /** The Content-Type of {@link exposition}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format: the registry's, then the RPC durations. */
  async exposition(): Promise<string> {
    return (await this.registry.metrics()) + this.#rpcSeconds.exposition();
  }

  ticketEnqueued(queue: string): void {
    const counted = this.#enqueuedCounts.get(queue);
    if (counted === undefined) this.#enqueuedCounts.set(queue, { count: 1 });
    else counted.count++;
  }

  ticketCancelled(queue: string): void {
    this.#cancelled.inc({ queue });
  }

  ticketsExpired(queue: string, count: number): void {
    this.#expired.inc({ queue }, count);
  }

  ticketsRequeued(queue: string, reason: RequeueReason, count: number): void {
    this.#requeued.inc({ queue, reason }, count);
  }

  ticketsWaiting(queue: string, byRegion: ReadonlyMap<string, number>): void {
    for (const [region, count] of byRegion) this.#waiting.set({ queue, region }, count);
  }

  passCompleted(queue: string, durationMs: number): void {
    this.#passSeconds.observe({ queue }, durationMs / 1000);
  }

  matchFormed(queue: string, region: string, waitsMs: readonly number[]): void {
    this.#matches.inc({ queue, region });
    for (const waitMs of waitsMs) this.#waitSeconds.observe({ queue, region }, waitMs / 1000);
  }

  matchesDeferred(queue: string, region: string, count: number): void {
    this.#deferred.inc({ queue, region }, count);
  }

  matchingSkipped(queue: string): void {
    this.#skipped.inc({ queue });
  }

  allocationAttempt(queue: string, region: string, outcome: AllocationOutcome): void {
    this.#allocations.inc({ queue, region, outcome });
  }

  regionPaused(queue: string, region: string, pauseMs: number): void {
    this.#pausedSeconds.inc({ queue, region }, pauseMs / 1000);
  }

  watchStreams(delta: 1 | -1): void {
    this.#watchStreams.inc(delta);
  }

  /**
   * Counted in plain numbers rather than through prom-client, whose every update builds a label
   * key and validates the labels: with two counter updates and a histogram observation per call,
   * that was a measurable share of a small call's CPU (BENCHMARKS.md, section 1). The same goes
   * for {@link ticketEnqueued}. The durations go into a {@link CountedHistogram}, which
   * {@link exposition} appends to the registry's output.
   */
  rpcStarted(call: RpcLabels): void {
    this.#rpcCountsOf(call).started++;
  }

  rpcHandled(call: RpcLabels, code: string, durationMs: number): void {
    const counts = this.#rpcCountsOf(call);
    counts.handled.set(code, (counts.handled.get(code) ?? 0) + 1);
    counts.seconds?.observe(durationMs / 1000);
  }

  #rpcCountsOf(call: RpcLabels): RpcCounts {
    let methods = this.#rpcCounts.get(call.service);
    if (methods === undefined) {
      methods = new Map();
      this.#rpcCounts.set(call.service, methods);
    }
    let counts = methods.get(call.method);
    if (counts === undefined) {
      const labels = { grpc_type: call.type, grpc_service: call.service, grpc_method: call.method };
      const seconds = call.type === "unary" ? this.#rpcSeconds.series(labels) : undefined;
      counts = { labels, started: 0, handled: new Map(), seconds };
      methods.set(call.method, counts);
    }
    return counts;
  }

  *#allRpcCounts(): Iterable<RpcCounts> {
    for (const methods of this.#rpcCounts.values()) yield* methods.values();
  }

  #startAtZero(queues: readonly QueueConfig[]): void {
    for (const { name: queue, regions } of queues) {
      this.#enqueuedCounts.set(queue, { count: 0 });
      for (const counter of [this.#cancelled, this.#expired, this.#skipped]) counter.inc({ queue }, 0);
      for (const reason of REQUEUE_REASONS) this.#requeued.inc({ queue, reason }, 0);
      this.#passSeconds.zero({ queue });
      for (const { name: region } of regions) {
        this.#waiting.set({ queue, region }, 0);
        this.#matches.inc({ queue, region }, 0);
        this.#waitSeconds.zero({ queue, region });
        for (const outcome of ALLOCATION_OUTCOMES) this.#allocations.inc({ queue, region, outcome }, 0);
        this.#pausedSeconds.inc({ queue, region }, 0);
        this.#deferred.inc({ queue, region }, 0);
      }
    }
  }
}

/** One method's calls: started, completed by gRPC status code name, and (unary ones) timed. */
interface RpcCounts {
  readonly labels: Readonly<Record<"grpc_type" | "grpc_service" | "grpc_method", string>>;
  started: number;
  readonly handled: Map<string, number>;
  readonly seconds: HistogramSeries | undefined;
}
