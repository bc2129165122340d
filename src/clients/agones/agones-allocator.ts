import { Code, type ConnectError } from "@connectrpc/connect";
import {
  type AllocatedServer,
  AllocationError,
  type AllocationRequest,
  type GameServerAllocator,
} from "../../application/ports/game-server-allocator.ts";
import { AllocationService } from "../../gen/allocation/allocation_pb.js";
import { keyPath } from "../../config/config-reader.ts";
import { ConfigError } from "../../config/config-error.ts";
import { type ErrorClassification, FleetConnection, type FleetConnectionOptions } from "../fleet/fleet-connection.ts";
import { defaultPingIntervalMs } from "../fleet/grpc-channel.ts";
import type { RetryPolicy } from "../fleet/retry.ts";
import { type AgonesRequestSettings, type AgonesScheduling, agonesAllocationRequest } from "./agones-request.ts";
import { allocationDetails, playerAddress } from "./agones-response.ts";
import { errorMessage } from "../../shared/error-message.ts";

/**
 * Codes the adapter retries itself. Both mean Agones allocated nothing: RESOURCE_EXHAUSTED (no
 * Ready server matches now; the fleet autoscaler may add one) and ABORTED (contention between
 * concurrent allocations).
 *
 * UNAVAILABLE and DEADLINE_EXCEEDED are not retried here: Agones' Allocate is not idempotent, so
 * a retry after a lost answer could allocate a second server. The matching loop may still try
 * again later (see `retryableLaterCodes`). Everything else is permanent, including Agones'
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

const classification: ErrorClassification = {
  retried: (error: ConnectError) => retriedCodes.has(error.code),
  retryableLater: (error: ConnectError) => retryableLaterCodes.has(error.code),
};

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

/**
 * Options of {@link AgonesAllocator}. `url` is the allocator service (for example
 * `https://allocator.agones.example:443`) and `tls` its CA plus the client certificate and key
 * (mutual TLS, Agones' default); retries default to {@link defaultAgonesRetryPolicy} and
 * `pingIntervalMs` must be at least 60000.
 */
export interface AgonesAllocatorOptions extends FleetConnectionOptions {
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
  private readonly settings: AgonesRequestSettings;
  private readonly portName: string | undefined;
  private readonly connection: FleetConnection<typeof AllocationService>;

  /** @throws ConfigError for a bad URL, an unreadable certificate file or a too short ping interval. */
  constructor(options: AgonesAllocatorOptions) {
    const pingIntervalMs = options.pingIntervalMs ?? defaultPingIntervalMs;
    if (pingIntervalMs < minimumPingIntervalMs) {
      throw new ConfigError(
        keyPath(options.configKey ?? "", "pingIntervalMs"),
        `must be at least ${minimumPingIntervalMs}: the Agones allocator closes connections that ping more often`,
      );
    }
    this.settings = {
      namespace: options.namespace ?? "default",
      regionLabelKey: options.regionLabelKey ?? "region",
      matchLabels: options.matchLabels ?? {},
      scheduling: options.scheduling ?? "Packed",
      metadataPrefix: options.metadataPrefix ?? "matchmaker/",
    };
    this.portName = options.portName;
    this.connection = new FleetConnection(AllocationService, options, defaultAgonesRetryPolicy);
  }

  async allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocatedServer> {
    const message = agonesAllocationRequest(request, this.settings);
    const response = await this.connection.call((callOptions) => this.connection.client.allocate(message, callOptions), {
      operation: "allocation",
      classification,
      signal,
      logContext: { matchId: request.matchId },
    });
    const { fleet, logger } = this.connection;
    const details = allocationDetails(response, request.matchId, this.settings.namespace);
    let address: string;
    try {
      address = playerAddress(response, this.portName);
    } catch (error) {
      // The GameServer is allocated but unusable; it shuts itself down when no player connects.
      logger.error({ err: error, serverId: response.gameServerName, ...details }, "unusable allocation");
      throw new AllocationError(`fleet "${fleet}": allocation failed: ${errorMessage(error)}`, {
        retryable: false,
        cause: error,
      });
    }
    return { address, serverId: response.gameServerName, fleet, details };
  }

  /** This one fleet, whatever the match. */
  fleetFor(): string {
    return this.connection.fleet;
  }

  /**
   * Logs and returns: the Agones allocator API has no release. An allocated GameServer stays
   * Allocated until its own process calls the Agones SDK's `Shutdown()` (or `Ready()` to return to
   * the pool), so a studio's game server must do that when no player connects within its own
   * timeout, which also covers a matchmaker that crashes between allocation and assignment.
   */
  async release(server: AllocatedServer): Promise<void> {
    this.connection.logger.info(
      { serverId: server.serverId, ...server.details },
      "Agones has no release: the game server shuts itself down when no player connects",
    );
  }

  /** Closes the connection to the allocator. */
  close(): void {
    this.connection.close();
  }
}
