import type { DescService } from "@bufbuild/protobuf";
import { type Client, Code, type ConnectError, createClient } from "@connectrpc/connect";
import { pino, type Logger } from "pino";
import { allocationFailure } from "./allocation-failure.ts";
import { type ClientTlsFiles, defaultPingIntervalMs, type FleetChannel, openFleetChannel } from "./grpc-channel.ts";
import { callWithRetries, realRetryEnvironment, type RetryEnvironment, type RetryPolicy } from "./retry.ts";

/** Connection options shared by every fleet client. */
export interface FleetConnectionOptions {
  /** Name of the fleet in the configuration; it goes into `AllocatedServer.fleet` and the logs. */
  readonly fleet: string;
  /** `http://host:port` (cleartext HTTP/2) or `https://host:port` (TLS). */
  readonly url: string;
  /** Certificate files; `certFile` + `keyFile` enable mutual TLS. */
  readonly tls?: ClientTlsFiles;
  /** Overrides of the client's default retry policy. */
  readonly retry?: Partial<RetryPolicy>;
  /** Keepalive PING interval; defaults to {@link defaultPingIntervalMs}. */
  readonly pingIntervalMs?: number;
  /** Path of these options in the configuration, for error messages (e.g. `fleets.local`). */
  readonly configKey?: string;
  readonly logger?: Logger;
  /** Injected timers and randomness for tests. */
  readonly retryEnvironment?: RetryEnvironment;
}

/** Which errors a call retries itself, and after which ones the matching loop may try again later. */
export interface ErrorClassification {
  readonly retried: (error: ConnectError) => boolean;
  readonly retryableLater: (error: ConnectError) => boolean;
}

/** What one fleet call needs besides the request. */
export interface FleetCall {
  /** For messages and logs, e.g. `allocation`. */
  readonly operation: string;
  readonly classification: ErrorClassification;
  readonly signal?: AbortSignal | undefined;
  /** Added to the retry logs, e.g. the match id. */
  readonly logContext?: Readonly<Record<string, string>>;
}

/**
 * A fleet client's long-lived connection and call discipline: one HTTP/2 connection, a deadline on
 * every call, retries with backoff, and failures reported as `AllocationError`. Each fleet adapter
 * keeps only its own wire mapping and error classification.
 */
export class FleetConnection<Service extends DescService> {
  readonly fleet: string;
  readonly client: Client<Service>;
  readonly logger: Logger;
  private readonly channel: FleetChannel;
  private readonly policy: RetryPolicy;
  private readonly environment: RetryEnvironment;

  /** @throws ConfigError for a bad URL or an unreadable certificate file. */
  constructor(service: Service, options: FleetConnectionOptions, defaultPolicy: RetryPolicy) {
    this.fleet = options.fleet;
    this.channel = openFleetChannel({
      url: options.url,
      pingIntervalMs: options.pingIntervalMs ?? defaultPingIntervalMs,
      ...(options.tls && { tls: options.tls }),
      ...(options.configKey !== undefined && { configKey: options.configKey }),
    });
    this.client = createClient(service, this.channel.transport);
    this.policy = { ...defaultPolicy, ...options.retry };
    this.environment = options.retryEnvironment ?? realRetryEnvironment;
    this.logger = (options.logger ?? pino({ level: "silent" })).child({ fleet: options.fleet });
  }

  /**
   * Runs `attempt` under the retry policy, passing each attempt's call options.
   *
   * @throws AllocationError once the call fails for good or the caller aborts.
   */
  async call<T>(
    attempt: (callOptions: { timeoutMs: number; signal: AbortSignal | undefined }) => Promise<T>,
    call: FleetCall,
  ): Promise<T> {
    const { signal, classification } = call;
    try {
      return await callWithRetries((timeoutMs) => attempt({ timeoutMs, signal }), {
        policy: this.policy,
        environment: this.environment,
        isRetryable: classification.retried,
        ...(signal && { signal }),
        // At info: a retry is the first sign of a struggling fleet, before allocations start failing.
        onRetry: (error, attemptNumber, waitMs) =>
          this.logger.info(
            { ...call.logContext, code: Code[error.code], attempt: attemptNumber, waitMs },
            `retrying ${call.operation}`,
          ),
      });
    } catch (error) {
      throw allocationFailure({
        fleet: this.fleet,
        operation: call.operation,
        failure: error,
        retryableLater: classification.retryableLater,
        signal,
      });
    }
  }

  /** Closes the connection and any call still running on it. */
  close(): void {
    this.channel.close();
  }
}
