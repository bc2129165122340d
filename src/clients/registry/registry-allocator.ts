import { create } from "@bufbuild/protobuf";
import { Code, type ConnectError, createClient, type Client } from "@connectrpc/connect";
import { pino, type Logger } from "pino";
import type {
  AllocatedServer,
  AllocationRequest,
  GameServerAllocator,
} from "../../application/ports/game-server-allocator.ts";
import { AllocateRequestSchema, GameServerRegistry, ReleaseRequestSchema } from "../../gen/gameserver/v1/registry_pb.js";
import { labelDetails, matchIdDetail } from "../fleet/allocation-details.ts";
import { allocationFailure } from "../fleet/allocation-failure.ts";
import { type ClientTlsFiles, defaultPingIntervalMs, type FleetChannel, openFleetChannel } from "../fleet/grpc-channel.ts";
import { formatHostPort } from "../fleet/host-port.ts";
import { callWithRetries, realRetryEnvironment, type RetryEnvironment, type RetryPolicy } from "../fleet/retry.ts";

/**
 * Codes the registry client retries:
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

/** Options of {@link RegistryAllocator}. */
export interface RegistryAllocatorOptions {
  /** Name of this fleet in the configuration; put in {@link AllocatedServer.fleet}. */
  readonly fleet: string;
  /** `http://host:port` (cleartext HTTP/2) or `https://host:port` (TLS). */
  readonly url: string;
  /** Certificate files; `certFile` + `keyFile` enable mutual TLS. */
  readonly tls?: ClientTlsFiles;
  /** Overrides of {@link defaultRegistryRetryPolicy}. */
  readonly retry?: Partial<RetryPolicy>;
  /** Defaults to {@link defaultPingIntervalMs}. */
  readonly pingIntervalMs?: number;
  /** Path of these options in the configuration, for error messages. */
  readonly configKey?: string;
  readonly logger?: Logger;
  /** Injected timers and randomness for tests. */
  readonly retryEnvironment?: RetryEnvironment;
}

/**
 * {@link GameServerAllocator} over the `gameserver.v1.GameServerRegistry` contract, for studios
 * that run their own registry (or the reference one).
 *
 * Calls share one HTTP/2 connection, carry a deadline, and are retried with backoff on the codes
 * above. The registry's address is the only public part of the result; the server id and labels
 * stay internal.
 */
export class RegistryAllocator implements GameServerAllocator {
  private readonly fleet: string;
  private readonly channel: FleetChannel;
  private readonly client: Client<typeof GameServerRegistry>;
  private readonly policy: RetryPolicy;
  private readonly environment: RetryEnvironment;
  private readonly logger: Logger;

  /** @throws FleetConfigError for a bad URL or an unreadable certificate file. */
  constructor(options: RegistryAllocatorOptions) {
    this.fleet = options.fleet;
    this.channel = openFleetChannel({
      url: options.url,
      pingIntervalMs: options.pingIntervalMs ?? defaultPingIntervalMs,
      ...(options.tls && { tls: options.tls }),
      ...(options.configKey !== undefined && { configKey: options.configKey }),
    });
    this.client = createClient(GameServerRegistry, this.channel.transport);
    this.policy = { ...defaultRegistryRetryPolicy, ...options.retry };
    this.environment = options.retryEnvironment ?? realRetryEnvironment;
    this.logger = (options.logger ?? pino({ level: "silent" })).child({ fleet: options.fleet });
  }

  async allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocatedServer> {
    const message = create(AllocateRequestSchema, {
      matchId: request.matchId,
      queue: request.queue,
      region: request.region,
      playerCount: request.playerCount,
      labels: { ...request.labels },
    });
    try {
      const response = await callWithRetries((timeoutMs) => this.client.allocate(message, { timeoutMs, signal }), {
        policy: this.policy,
        environment: this.environment,
        isRetryable,
        ...(signal && { signal }),
        onRetry: (error, attempt, waitMs) =>
          this.logger.debug({ matchId: request.matchId, code: Code[error.code], attempt, waitMs }, "retrying allocation"),
      });
      if (!response.address) throw new Error("the registry's Allocate response has no address");
      return {
        address: formatHostPort(response.address.host, response.address.port),
        serverId: response.serverId,
        fleet: this.fleet,
        details: { [matchIdDetail]: request.matchId, ...labelDetails(response.labels) },
      };
    } catch (error) {
      throw allocationFailure({ fleet: this.fleet, operation: "allocation", failure: error, retryableLater: isRetryable, signal });
    }
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
    try {
      const response = await callWithRetries((timeoutMs) => this.client.release(message, { timeoutMs }), {
        policy: this.policy,
        environment: this.environment,
        isRetryable,
      });
      this.logger.debug({ matchId, serverId: server.serverId, released: response.released }, "slot released");
    } catch (error) {
      throw allocationFailure({ fleet: this.fleet, operation: "release", failure: error, retryableLater: isRetryable });
    }
  }

  /** Closes the connection to the registry. */
  close(): void {
    this.channel.close();
  }
}
