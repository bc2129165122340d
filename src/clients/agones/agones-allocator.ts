import { Code, type Client, type ConnectError, createClient } from "@connectrpc/connect";
import { pino, type Logger } from "pino";
import {
  type AllocatedServer,
  AllocationError,
  type AllocationRequest,
  type GameServerAllocator,
} from "../../application/ports/game-server-allocator.ts";
import { AllocationService } from "../../gen/allocation/allocation_pb.js";
import { allocationFailure } from "../fleet/allocation-failure.ts";
import { FleetConfigError } from "../fleet/fleet-config-error.ts";
import { type ClientTlsFiles, defaultPingIntervalMs, type FleetChannel, openFleetChannel } from "../fleet/grpc-channel.ts";
import { callWithRetries, realRetryEnvironment, type RetryEnvironment, type RetryPolicy } from "../fleet/retry.ts";
import { type AgonesRequestSettings, type AgonesScheduling, agonesAllocationRequest } from "./agones-request.ts";
import { allocationDetails, playerAddress } from "./agones-response.ts";

/**
 * Codes the adapter retries itself. Both mean Agones allocated nothing: RESOURCE_EXHAUSTED (no
 * Ready server matches now; the fleet autoscaler may add one) and ABORTED (contention between
 * concurrent allocations).
 *
 * UNAVAILABLE and DEADLINE_EXCEEDED are not retried here: Agones' Allocate is not idempotent, so
 * a retry after a lost answer could allocate a second server. The matching loop may still try
 * again later (see {@link isRetryableLater}). Everything else is permanent, including Agones'
 * non-standard grpc-status 422 for an invalid request, which connect-es reports as INTERNAL
 * "invalid grpc-status: 422".
 */
const retriedCodes: ReadonlySet<Code> = new Set([Code.ResourceExhausted, Code.Aborted]);

/** Codes after which trying the match again later may succeed: capacity, contention, reachability. */
const retryableLaterCodes: ReadonlySet<Code> = new Set([
  Code.ResourceExhausted,
  Code.Aborted,
  Code.Unavailable,
  Code.DeadlineExceeded,
]);

function isRetried(error: ConnectError): boolean {
  return retriedCodes.has(error.code);
}

function isRetryableLater(error: ConnectError): boolean {
  return retryableLaterCodes.has(error.code);
}

/**
 * The allocator batches requests (about 0.5 s by default), so a call gets 5 s; retries stop after
 * 10 s so that a match without a server goes back to the queue.
 */
export const defaultAgonesRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 250,
  maxBackoffMs: 2_000,
  backoffMultiplier: 2,
  callTimeoutMs: 5_000,
  totalTimeoutMs: 10_000,
};

/** The Agones allocator closes connections that ping more often (GOAWAY `too_many_pings`). */
const minimumPingIntervalMs = 60_000;

/** Options of {@link AgonesAllocator}. */
export interface AgonesAllocatorOptions {
  /** Name of this fleet in the configuration; put in {@link AllocatedServer.fleet}. */
  readonly fleet: string;
  /** The allocator service, for example `https://allocator.agones.example:443`. */
  readonly url: string;
  /** CA of the allocator's certificate and the client certificate and key (mutual TLS). */
  readonly tls?: ClientTlsFiles;
  /** Namespace of the fleet's GameServers; defaults to `default`. */
  readonly namespace?: string;
  /** GameServer label holding the region; defaults to `region`. */
  readonly regionLabelKey?: string;
  /** Labels every allocated server must also carry, for example the fleet name. */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Defaults to `Packed`, Agones' default, which keeps clusters dense. */
  readonly scheduling?: AgonesScheduling;
  /** The GameServer port players connect to; the first port when unset. */
  readonly portName?: string;
  /** Prefix of the match's label and annotation keys; defaults to `matchmaker/`. */
  readonly metadataPrefix?: string;
  /** Overrides of {@link defaultAgonesRetryPolicy}. */
  readonly retry?: Partial<RetryPolicy>;
  /** At least 60000; defaults to {@link defaultPingIntervalMs}. */
  readonly pingIntervalMs?: number;
  /** Path of these options in the configuration, for error messages. */
  readonly configKey?: string;
  readonly logger?: Logger;
  /** Injected timers and randomness for tests. */
  readonly retryEnvironment?: RetryEnvironment;
}

/**
 * {@link GameServerAllocator} for an Agones fleet, over the allocator service's gRPC API
 * (`allocation.AllocationService/Allocate`) with mutual TLS.
 *
 * Allocations share one long-lived HTTP/2 connection and run concurrently; each carries the
 * match's region as a label selector and the match id as GameServer metadata. Only the address
 * and port reach {@link AllocatedServer.address}; the GameServer name, node and labels stay in
 * `serverId` and `details`.
 */
export class AgonesAllocator implements GameServerAllocator {
  private readonly fleet: string;
  private readonly settings: AgonesRequestSettings;
  private readonly portName: string | undefined;
  private readonly channel: FleetChannel;
  private readonly client: Client<typeof AllocationService>;
  private readonly policy: RetryPolicy;
  private readonly environment: RetryEnvironment;
  private readonly logger: Logger;

  /** @throws FleetConfigError for a bad URL, an unreadable certificate file or a too short ping interval. */
  constructor(options: AgonesAllocatorOptions) {
    const pingIntervalMs = options.pingIntervalMs ?? defaultPingIntervalMs;
    if (pingIntervalMs < minimumPingIntervalMs) {
      const key = options.configKey ? `${options.configKey}.pingIntervalMs` : "pingIntervalMs";
      throw new FleetConfigError(
        key,
        `must be at least ${minimumPingIntervalMs}: the Agones allocator closes connections that ping more often`,
      );
    }
    this.fleet = options.fleet;
    this.settings = {
      namespace: options.namespace ?? "default",
      regionLabelKey: options.regionLabelKey ?? "region",
      matchLabels: options.matchLabels ?? {},
      scheduling: options.scheduling ?? "Packed",
      metadataPrefix: options.metadataPrefix ?? "matchmaker/",
    };
    this.portName = options.portName;
    this.channel = openFleetChannel({
      url: options.url,
      pingIntervalMs,
      ...(options.tls && { tls: options.tls }),
      ...(options.configKey !== undefined && { configKey: options.configKey }),
    });
    this.client = createClient(AllocationService, this.channel.transport);
    this.policy = { ...defaultAgonesRetryPolicy, ...options.retry };
    this.environment = options.retryEnvironment ?? realRetryEnvironment;
    this.logger = (options.logger ?? pino({ level: "silent" })).child({ fleet: options.fleet });
  }

  async allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocatedServer> {
    const message = agonesAllocationRequest(request, this.settings);
    let response;
    try {
      response = await callWithRetries((timeoutMs) => this.client.allocate(message, { timeoutMs, signal }), {
        policy: this.policy,
        environment: this.environment,
        isRetryable: isRetried,
        ...(signal && { signal }),
        onRetry: (error, attempt, waitMs) =>
          this.logger.debug({ matchId: request.matchId, code: Code[error.code], attempt, waitMs }, "retrying allocation"),
      });
    } catch (error) {
      throw allocationFailure({
        fleet: this.fleet,
        operation: "allocation",
        failure: error,
        retryableLater: isRetryableLater,
        signal,
      });
    }
    const details = allocationDetails(response, request.matchId, this.settings.namespace);
    let address: string;
    try {
      address = playerAddress(response, this.portName);
    } catch (error) {
      // The GameServer is allocated but unusable; it shuts itself down when no player connects.
      this.logger.error({ err: error, serverId: response.gameServerName, ...details }, "unusable allocation");
      throw new AllocationError(`fleet "${this.fleet}": allocation failed: ${(error as Error).message}`, {
        retryable: false,
        cause: error,
      });
    }
    return { address, serverId: response.gameServerName, fleet: this.fleet, details };
  }

  /**
   * Logs and returns: the Agones allocator API has no release. An allocated GameServer stays
   * Allocated until its own process calls the Agones SDK's `Shutdown()` (or `Ready()` to return to
   * the pool), so a studio's game server must do that when no player connects within its own
   * timeout, which also covers a matchmaker that crashes between allocation and assignment.
   */
  async release(server: AllocatedServer): Promise<void> {
    this.logger.info(
      { serverId: server.serverId, ...server.details },
      "Agones has no release: the game server shuts itself down when no player connects",
    );
  }

  /** Closes the connection to the allocator. */
  close(): void {
    this.channel.close();
  }
}
