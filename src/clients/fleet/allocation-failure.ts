import { Code, ConnectError } from "@connectrpc/connect";
import { AllocationError } from "../../application/ports/game-server-allocator.ts";
import { CallFailedError } from "./retry.ts";

/**
 * Servers that refuse a client certificate (TLS 1.3) just close the connection after the handshake,
 * which the client sees as a cancelled stream without any reason, so the message says what to check.
 */
const closedByFleetHint =
  "the connection was closed before the fleet answered; if this persists, check that the fleet accepts the client certificate";

/**
 * Turns a fleet call's final failure into the port's {@link AllocationError}, naming the fleet and
 * the operation, and keeping the gRPC error as the cause for logs.
 *
 * `retryableLater` decides whether the matching loop may try again later, which is a different
 * question from whether the client itself retried: a fleet client gives up quickly so that the
 * match's players go back to the queue instead of waiting on one allocation.
 */
export function allocationFailure(options: {
  readonly fleet: string;
  readonly operation: string;
  readonly failure: unknown;
  readonly retryableLater: (error: ConnectError) => boolean;
  /** The caller's signal: a cancellation it caused is reported as such, and retryable. */
  readonly signal?: AbortSignal | undefined;
}): AllocationError {
  const { fleet, operation, failure, signal } = options;
  const prefix = `fleet "${fleet}": ${operation}`;
  if (signal?.aborted) return new AllocationError(`${prefix} cancelled`, { retryable: true, cause: failure });
  const error = failure instanceof CallFailedError ? failure.cause : ConnectError.from(failure);
  const detail = failure instanceof CallFailedError ? failure.message : error.message;
  const hint = error.code === Code.Canceled ? ` (${closedByFleetHint})` : "";
  return new AllocationError(`${prefix} failed: ${detail}${hint}`, {
    retryable: options.retryableLater(error),
    cause: failure,
  });
}
