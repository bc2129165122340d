import { ConnectError } from "@connectrpc/connect";
import { AllocationError } from "../../application/ports/game-server-allocator.ts";
import { CallFailedError } from "./retry.ts";

/**
 * Turns a fleet call's final failure into the port's {@link AllocationError}, naming the fleet and
 * the operation, and keeping the gRPC error as the cause for logs.
 *
 * `retryableLater` decides whether the matching loop may try again later, which is a different
 * question from whether the client itself retried: a fleet client gives up quickly so that the
 * match's players go back to the queue instead of waiting on one allocation.
 */
export function allocationFailure(
  fleet: string,
  operation: string,
  failure: unknown,
  retryableLater: (error: ConnectError) => boolean,
): AllocationError {
  const error = failure instanceof CallFailedError ? failure.cause : ConnectError.from(failure);
  const detail = failure instanceof CallFailedError ? failure.message : error.message;
  return new AllocationError(`fleet "${fleet}": ${operation} failed: ${detail}`, {
    retryable: retryableLater(error),
    cause: failure,
  });
}
