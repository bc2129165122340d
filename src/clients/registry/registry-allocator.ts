import { create } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import {
  type AllocatedServer,
  AllocationError,
  type AllocationRequest,
  type GameServerAllocator,
} from "../../application/ports/game-server-allocator.ts";
import { AllocateRequestSchema, GameServerRegistryService, ReleaseRequestSchema } from "../../gen/gameserver/v1/registry_pb.js";
import { labelDetails, matchIdDetail } from "../fleet/allocation-details.ts";
import { type ErrorClassification, FleetConnection, type FleetConnectionOptions } from "../fleet/fleet-connection.ts";
import { formatHostPort } from "../fleet/host-port.ts";
import type { RetryPolicy } from "../fleet/retry.ts";

/**
 * Codes the registry client retries, and after which the matching loop may try again later:
 *
 * - RESOURCE_EXHAUSTED: no server is free right now; one may register or be released shortly.
 * - UNAVAILABLE: the registry restarts or is unreachable; the connection is re-established.
 * - ABORTED: the call was cut (connection reset); nothing was decided.
 * - DEADLINE_EXCEEDED: the answer was lost or late. Safe to retry because the registry's Allocate
 *   is idempotent per match id: a retry gets the slot the first call reserved, never a second one.
 *
 * Everything else (INVALID_ARGUMENT, PERMISSION_DENIED, UNIMPLEMENTED, INTERNAL...) means the
 * request or the setup is wrong and would fail the same way again.
 */
const retryableCodes: ReadonlySet<Code> = new Set([
  Code.ResourceExhausted,
  Code.Unavailable,
  Code.Aborted,
  Code.DeadlineExceeded,
]);

function isRetryable(error: ConnectError): boolean {
  return retryableCodes.has(error.code);
}

const classification: ErrorClassification = { retried: isRetryable, retryableLater: isRetryable };

/**
 * Retries for three seconds at most: long enough to ride out a registry restart or a burst of
 * demand, short enough that a match without a server goes back to the queue promptly.
 */
export const defaultRegistryRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 1_000,
  backoffMultiplier: 2,
  callTimeoutMs: 1_000,
  totalTimeoutMs: 3_000,
};

/** Options of {@link RegistryAllocator}; retries default to {@link defaultRegistryRetryPolicy}. */
export type RegistryAllocatorOptions = FleetConnectionOptions;

/**
 * {@link GameServerAllocator} over the `gameserver.v1.GameServerRegistryService` contract, for studios
 * that run their own registry (or the reference one).
 *
 * The registry's address is the only public part of the result; the server id and labels stay in
 * `serverId` and `details`, along with the match id that {@link release} needs.
 */
export class RegistryAllocator implements GameServerAllocator {
  private readonly connection: FleetConnection<typeof GameServerRegistryService>;

  /** @throws ConfigError for a bad URL or an unreadable certificate file. */
  constructor(options: RegistryAllocatorOptions) {
    this.connection = new FleetConnection(GameServerRegistryService, options, defaultRegistryRetryPolicy);
  }

  async allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocatedServer> {
    const message = create(AllocateRequestSchema, { ...request, labels: { ...request.labels } });
    const response = await this.connection.call((callOptions) => this.connection.client.allocate(message, callOptions), {
      operation: "allocation",
      classification,
      signal,
      logContext: { matchId: request.matchId },
    });
    const { fleet } = this.connection;
    if (!response.address) {
      throw new AllocationError(`fleet "${fleet}": allocation failed: the registry answered without an address`, {
        retryable: false,
      });
    }
    return {
      address: formatHostPort(response.address.host, response.address.port),
      serverId: response.serverId,
      fleet,
      details: { [matchIdDetail]: request.matchId, ...labelDetails(response.labels) },
    };
  }

  /** This one fleet, whatever the match. */
  fleetFor(): string {
    return this.connection.fleet;
  }

  /**
   * Frees the slot of the match recorded in `server.details.matchId`. Releasing twice is harmless
   * (the registry answers `released = false`).
   *
   * @throws AllocationError when the registry cannot be reached after retries.
   */
  async release(server: AllocatedServer): Promise<void> {
    const matchId = server.details[matchIdDetail] ?? "";
    const message = create(ReleaseRequestSchema, { matchId, serverId: server.serverId });
    const response = await this.connection.call((callOptions) => this.connection.client.release(message, callOptions), {
      operation: "release",
      classification,
      logContext: { matchId },
    });
    this.connection.logger.debug({ matchId, serverId: server.serverId, released: response.released }, "slot released");
  }

  /** Closes the connection to the registry. */
  close(): void {
    this.connection.close();
  }
}
