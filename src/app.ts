import type { DescMethod } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { MatchPlacement } from "./application/match-placement.ts";
import { PlayerEnqueueLimit } from "./application/player-enqueue-limit.ts";
import { createMatchmaker, type Matchmaker } from "./application/matchmaker.ts";
import type { MatchmakingDeps } from "./application/matchmaking-deps.ts";
import { MatchingScheduler } from "./application/matching-scheduler.ts";
import { systemClock, type Clock } from "./application/ports/clock.ts";
import type { GameServerAllocator } from "./application/ports/game-server-allocator.ts";
import { randomIds, type IdGenerator } from "./application/ports/id-generator.ts";
import type { Logger } from "./application/ports/logger.ts";
import type { MatchTicketIssuer } from "./application/ports/match-ticket-issuer.ts";
import { getQueueStats, type QueueStatsDeps } from "./application/get-queue-stats.ts";
import { QueueCatalog } from "./application/queue-catalog.ts";
import { QueueStatsRecorder } from "./application/queue-stats-recorder.ts";
import { RecentMatches } from "./application/recent-matches.ts";
import { SETTING_DEFAULTS } from "./config/server-settings.ts";
import type { Storage } from "./storage/storage.ts";
import { QueueMatcher } from "./application/queue-matcher.ts";
import type { QueueConfig } from "./domain/queue-config.ts";
import { MatchmakingService } from "./gen/matchmaking/v1/matchmaking_pb.js";
import { OperatorService } from "./gen/matchmaking/v1/operator_pb.js";
import { authInterceptor, type Authenticate } from "./net/caller-context.ts";
import { CallGate } from "./net/call-gate.ts";
import { isHealthService, withDiscovery } from "./net/discovery.ts";
import { createMatchmakingService, PUBLIC_METHODS } from "./net/matchmaking-service.ts";
import { createOperatorService } from "./net/operator-service.ts";
import { livenessRoute, readinessRoute } from "./net/probe-routes.ts";
import { Readiness } from "./net/readiness.ts";
import { rpcObserver } from "./net/rpc-observer.ts";
import { serveAdmin } from "./net/admin-server.ts";
import type { HttpRoute } from "./net/http-routes.ts";
import { serve, type Servers } from "./net/serve.ts";
import { metricsRoute } from "./observability/metrics-route.ts";
import { PrometheusMetrics } from "./observability/prometheus-metrics.ts";

/** Everything the matchmaker is assembled from; `main.ts` builds it from the environment, tests directly. */
export interface MatchmakerOptions {
  /** The queues to serve, already checked (`parseQueueConfig`); each gets its own matching loop. */
  readonly queues: readonly QueueConfig[];
  /** Where tickets and the other shared state live. The caller closes it, after `close()`. */
  readonly storage: Storage;
  /** Where game servers come from (usually a fleet router). The caller closes its connections. */
  readonly allocator: GameServerAllocator;
  /** Mints each matched player's match ticket. */
  readonly issuer: MatchTicketIssuer;
  /**
   * Turns a bearer token into a caller, for every MatchmakingService and OperatorService method but
   * ListQueues; services added through `extraRoutes` authenticate their callers themselves.
   */
  readonly authenticate: Authenticate;
  /** Every component logs here; each queue's matching loop through a child logger with `queue`. */
  readonly logger: Logger;
  /** The system clock unless set; tests pass a fake one to drive waiting times and expiry. */
  readonly clock?: Clock;
  /** Random ticket and match ids unless set; tests pass predictable ones. */
  readonly ids?: IdGenerator;
  /**
   * Upper bound on placing one match up to its server, from its claim (waiting for an allocation
   * slot, then the allocation with the fleet's retries); past it the match's tickets go back to the
   * queue. A claim older than twice this is taken for the leftover of a dead instance
   * and requeued by a later pass. 30 s unless set.
   */
  readonly allocationTimeoutMs?: number;
  /**
   * Allocations run at once per fleet, every queue together; claimed matches past it wait their
   * turn in a line kept to what the fleet is expected to start (see `FleetAnswerTimes`) within two
   * ticks of the fastest queue claiming for it and within half the longest wait in line (see
   * `MatchPlacement.reserve`); a pass claims no match beyond it (the rest stay queued). 256 unless
   * set.
   */
  readonly maxConcurrentAllocations?: number;
  /**
   * Enqueues each player may make per minute (see `PlayerEnqueueLimit`); services are not limited.
   * 0: no limit. 10 unless set.
   */
  readonly playerEnqueuesPerMinute?: number;
  /** How far back GetQueueStats' wait percentiles and match rates look; 5 minutes unless set. */
  readonly queueStatsWindowMs?: number;
  /** Interface both RPC listeners bind to (`0.0.0.0` for all). */
  readonly host: string;
  /** Port of the cleartext HTTP/2 listener (gRPC, plus Connect and gRPC-Web); 0 picks a free one. */
  readonly grpcPort: number;
  /** Port of the HTTP/1.1 listener browsers reach (Connect, gRPC-Web, `httpRoutes`); 0 picks a free one. */
  readonly httpPort: number;
  /**
   * A port of its own for `/metrics`, `/healthz` and `/readyz` (operators only); `/metrics` then
   * leaves the HTTP port browsers reach. Unset: everything on the HTTP port.
   */
  readonly adminPort?: number;
  /** Interface of the admin port; `host` unless set. */
  readonly adminHost?: string;
  /**
   * Largest request message accepted, in bytes; a larger one fails with RESOURCE_EXHAUSTED before
   * any handler runs. 64 KiB unless set.
   */
  readonly readMaxBytes?: number;
  /** Idle time before a WatchTicket stream gets a keep-alive message; 15 s unless set, 0 for none. */
  readonly watchKeepAliveMs?: number;
  /** Extra services on both listeners (for example the game-server-facing ones). */
  readonly extraRoutes?: (router: ConnectRouter) => void;
  /**
   * Extra GET endpoints on the HTTP port, by path (the match-ticket keys, the console); one with the
   * path of a probe or of `/metrics` replaces it.
   */
  readonly httpRoutes?: ReadonlyMap<string, HttpRoute>;
  /** Serve gRPC server reflection (on unless false). */
  readonly reflection?: boolean;
  /** Exact origins whose browser pages may call the RPCs (CORS). */
  readonly corsOrigins?: readonly string[];
  /** Run the matching loop on timers (production). Tests leave it off and call `runPass`. */
  readonly scheduleMatching: boolean;
}

/** A running matchmaker. */
export interface RunningMatchmaker {
  /** The use cases themselves, for in-process callers (tests) that need no transport. */
  readonly matchmaker: Matchmaker;
  /** The RPC listeners, with the ports they actually got (useful when asked for port 0). */
  readonly servers: Servers;
  /** The admin port's number, when it was asked for. */
  readonly adminPort: number | undefined;
  /** Runs one matching pass over every queue and waits for the matches it formed to be placed. */
  runPass(): Promise<void>;
  /**
   * Shuts down without dropping work: readiness goes false, new calls are refused with UNAVAILABLE,
   * open streams end with UNAVAILABLE (reconnect elsewhere), matching stops and gives up its
   * leases, placements under way finish and those still waiting for an allocation slot are
   * requeued (every claimed ticket ends matched or back in the queue),
   * calls in flight finish, then the listeners close. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Wires the use cases, the matching loop and the RPC servers from already-built adapters and
 * starts listening. Adapters come in as options rather than being built here so that `main.ts`
 * (environment, Redis, fleets) and the tests (in-memory storage, fake clocks, port 0) assemble
 * the same server from different parts.
 */
export async function startMatchmaker(options: MatchmakerOptions): Promise<RunningMatchmaker> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const { store, events, progress, leases, queueStats } = options.storage;
  const allocationTimeoutMs = options.allocationTimeoutMs ?? SETTING_DEFAULTS.allocationTimeoutSeconds * 1000;
  const metrics = new PrometheusMetrics(options.queues);
  const readiness = new Readiness({ ping: () => options.storage.ping() });
  const gate = new CallGate();
  const catalog = new QueueCatalog(options.queues);
  const playerEnqueuesPerMinute = options.playerEnqueuesPerMinute ?? SETTING_DEFAULTS.playerEnqueuesPerMinute;
  const deps: MatchmakingDeps = {
    store,
    events,
    catalog,
    progress,
    clock,
    ids,
    metrics,
    ...(playerEnqueuesPerMinute > 0 && { playerEnqueues: new PlayerEnqueueLimit(playerEnqueuesPerMinute) }),
  };
  const statsDeps: QueueStatsDeps = { catalog, board: queueStats, clock, windowMs: options.queueStatsWindowMs ?? SETTING_DEFAULTS.queueStatsWindowSeconds * 1000 };
  const stats = new QueueStatsRecorder(new RecentMatches({ windowMs: statsDeps.windowMs, startedAt: clock.now() }), queueStats);
  const placement = new MatchPlacement({
    store,
    events,
    progress,
    allocator: options.allocator,
    issuer: options.issuer,
    clock,
    logger: options.logger,
    metrics,
    stats,
    allocationTimeoutMs,
    maxConcurrentAllocations: options.maxConcurrentAllocations ?? SETTING_DEFAULTS.maxConcurrentAllocations,
  });
  metrics.reportFleets(() => placement.fleetLoads());
  const matchers = options.queues.map(
    (queue) =>
      new QueueMatcher(queue, {
        ...deps,
        placement,
        logger: options.logger,
        stats,
        // Placement gives up after its timeout; twice that means the instance placing it is gone.
        staleAllocationMs: 2 * allocationTimeoutMs,
      }),
  );
  const scheduler = new MatchingScheduler(matchers, leases, options.logger);
  const matchmaker = createMatchmaker(deps);
  const service = createMatchmakingService(matchmaker, options.logger, { watchKeepAliveMs: options.watchKeepAliveMs ?? SETTING_DEFAULTS.watchKeepAliveSeconds * 1000 });
  const operator = createOperatorService({ getQueueStats: (caller, queue) => getQueueStats(statsDeps, caller, queue) }, options.logger);
  const routes = withDiscovery(
    (router) => {
      router.service(MatchmakingService, service);
      router.service(OperatorService, operator);
      options.extraRoutes?.(router);
    },
    { readiness, reflection: options.reflection ?? true },
  );
  const probeRoutes: [string, HttpRoute][] = [
    ["/healthz", livenessRoute],
    ["/readyz", readinessRoute(readiness)],
  ];
  const operatorRoutes = new Map<string, HttpRoute>([["/metrics", metricsRoute(metrics)], ...probeRoutes]);
  // Opened first and closed last: probes and metrics must show the drain while it happens.
  const admin =
    options.adminPort === undefined
      ? undefined
      : await serveAdmin({ host: options.adminHost ?? options.host, port: options.adminPort, routes: operatorRoutes, logger: options.logger });
  const servers = await serve({
    routes,
    interceptors: [
      rpcObserver(metrics, options.logger),
      gate.interceptor((method) => isHealthService(method.parent)),
      authInterceptor(options.authenticate, needsCaller),
    ],
    host: options.host,
    grpcPort: options.grpcPort,
    httpPort: options.httpPort,
    httpRoutes: new Map([...(options.adminPort === undefined ? operatorRoutes : probeRoutes), ...(options.httpRoutes ?? [])]),
    corsOrigins: options.corsOrigins,
    readMaxBytes: options.readMaxBytes ?? 64 * 1024,
    logger: options.logger,
    shutdownSignal: gate.shutdownSignal,
  });
  await readiness.check();
  readiness.monitor(READINESS_PROBE_INTERVAL_MS);
  if (options.scheduleMatching) scheduler.start();
  let closing: Promise<void> | undefined;
  const drainAndClose = async (): Promise<void> => {
    readiness.drain();
    gate.close();
    options.logger.info({ callsInFlight: gate.inFlight, placementsInFlight: placement.inFlight }, "draining");
    await scheduler.stop();
    await placement.close();
    await gate.idle();
    readiness.stop();
    await servers.close();
    await admin?.close();
  };
  return {
    matchmaker,
    servers,
    adminPort: admin?.port,
    async runPass() {
      await scheduler.runOnce();
      await placement.drain();
    },
    close() {
      closing ??= drainAndClose();
      return closing;
    },
  };
}

/** How often readiness asks the store, so health watchers learn of an outage without a probe asking. */
const READINESS_PROBE_INTERVAL_MS = 5000;

const CALLER_SERVICES: ReadonlySet<string> = new Set([MatchmakingService.typeName, OperatorService.typeName]);

/** Players' and services' methods need a caller; other services authenticate their own way or not at all. */
function needsCaller(method: DescMethod): boolean {
  return CALLER_SERVICES.has(method.parent.typeName) && !PUBLIC_METHODS.has(method);
}
