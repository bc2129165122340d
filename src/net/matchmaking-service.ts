import type { DescMethod } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { Matchmaker } from "../application/matchmaker.ts";
import type { Logger } from "../application/ports/logger.ts";
import { MatchmakingService } from "../gen/matchmaking/v1/matchmaking_pb.js";
import { callerOf } from "./caller-context.ts";
import { failedCall } from "./connect-errors.ts";
import { toEnqueueCommand } from "./enqueue-request.ts";
import { ticketIdOf } from "./request-fields.ts";
import { requestLogger } from "./rpc-observer.ts";
import { toQueueInfo, toTicketMessage } from "./ticket-message.ts";
import { WatchTicketResponses } from "./watch-ticket-responses.ts";

/** Methods callable without a token: queue discovery only. */
export const PUBLIC_METHODS: ReadonlySet<DescMethod> = new Set([MatchmakingService.method.listQueues]);

/** Options of {@link createMatchmakingService}. */
export interface MatchmakingServiceOptions {
  /**
   * Idle time after which a WatchTicket stream gets a keep-alive message, so proxies that cut idle
   * connections leave it open; 0 sends none.
   */
  readonly watchKeepAliveMs: number;
}

/**
 * The MatchmakingService handlers: validate, call the use case, map the result or error. Served
 * as-is over gRPC, gRPC-Web and the Connect protocol.
 */
export function createMatchmakingService(
  matchmaker: Matchmaker,
  logger: Logger,
  options: MatchmakingServiceOptions,
): ServiceImpl<typeof MatchmakingService> {
  const fail = (error: unknown, method: string, context: HandlerContext): never => {
    throw failedCall(error, method, requestLogger(context, logger));
  };
  return {
    listQueues() {
      return { queues: matchmaker.listQueues().map(toQueueInfo) };
    },
    async enqueue(request, context) {
      try {
        const view = await matchmaker.enqueue(callerOf(context), toEnqueueCommand(request));
        // Ties the caller's trace (when it sent one) to the ticket id every later line carries.
        requestLogger(context, logger).debug({ ticketId: view.id, queue: view.queue }, "ticket enqueued");
        return { ticket: toTicketMessage(view) };
      } catch (error) {
        return fail(error, "Enqueue", context);
      }
    },
    async getTicket(request, context) {
      try {
        const view = await matchmaker.getTicket(callerOf(context), ticketIdOf(request));
        return { ticket: toTicketMessage(view) };
      } catch (error) {
        return fail(error, "GetTicket", context);
      }
    },
    async cancelTicket(request, context) {
      try {
        const view = await matchmaker.cancelTicket(callerOf(context), ticketIdOf(request));
        requestLogger(context, logger).debug({ ticketId: view.id, queue: view.queue }, "ticket cancelled");
        return { ticket: toTicketMessage(view) };
      } catch (error) {
        return fail(error, "CancelTicket", context);
      }
    },
    watchTicket(request, context) {
      return new WatchTicketResponses(matchmaker, logger, options.watchKeepAliveMs, request, context);
    },
  };
}
