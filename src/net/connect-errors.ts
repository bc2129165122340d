import { Code, ConnectError } from "@connectrpc/connect";
import {
  EnqueueRateLimitedError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  PlayerAlreadyQueuedError,
  TicketStateError,
  UnavailableError,
} from "../application/errors.ts";
import type { Logger } from "../application/ports/logger.ts";
import { TicketSchema } from "../gen/matchmaking/v1/matchmaking_pb.js";
import { toTicketMessage } from "./ticket-message.ts";

/**
 * Maps a use-case failure to the status the caller receives. Anything unrecognised is an internal
 * error whose details stay in the server's logs.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof InvalidArgumentError) return new ConnectError(error.message, Code.InvalidArgument);
  if (error instanceof NotFoundError) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof PlayerAlreadyQueuedError) return new ConnectError(error.message, Code.AlreadyExists);
  if (error instanceof PermissionDeniedError) return new ConnectError(error.message, Code.PermissionDenied);
  if (error instanceof UnavailableError) return new ConnectError(error.message, Code.Unavailable);
  if (error instanceof EnqueueRateLimitedError) return new ConnectError(error.message, Code.ResourceExhausted);
  if (error instanceof TicketStateError) {
    // The ticket's current state travels as an error detail, so the caller learns the assignment.
    return new ConnectError(error.message, Code.FailedPrecondition, undefined, [
      { desc: TicketSchema, value: toTicketMessage(error.ticket) },
    ]);
  }
  return asConnectError(error);
}

/** `error` itself when it is a status already, else an internal error that keeps it as its cause. */
export function asConnectError(error: unknown): ConnectError {
  return error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

/**
 * {@link toConnectError} for a handler's catch block: the caller gets the mapped status, and an
 * internal error's cause, which the caller never sees, goes to the log with the method.
 */
export function failedCall(error: unknown, method: string, logger: Logger, message = "request failed"): ConnectError {
  const connectError = toConnectError(error);
  if (connectError.cause !== undefined) logger.error({ err: connectError.cause, method }, message);
  return connectError;
}

/**
 * A request message over the server's size limit, worded as connect's handlers word it, for the
 * fast paths that read request bodies themselves (gRPC frames, Connect bodies).
 */
export function messageTooLarge(length: number, readMaxBytes: number): ConnectError {
  return new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
}
