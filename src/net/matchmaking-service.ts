import type { DescMethod } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { Matchmaker } from "../application/matchmaker.ts";
import type { Logger } from "../application/ports/logger.ts";
import { MatchmakingService } from "../gen/matchmaking/v1/matchmaking_pb.js";
import { callerOf } from "./caller-context.ts";
import { failedCall } from "./connect-errors.ts";
import { LIMITS, requireText, toEnqueueCommand } from "./enqueue-request.ts";
import { toQueueInfo, toTicketMessage } from "./ticket-message.ts";

/** Methods callable without a token: queue discovery only. */
export const PUBLIC_METHODS: ReadonlySet<DescMethod> = new Set([MatchmakingService.method.listQueues]);

/**
 * The MatchmakingService handlers: validate, call the use case, map the result or error. Served
 * as-is over gRPC, gRPC-Web and the Connect protocol.
 */
export function createMatchmakingService(matchmaker: Matchmaker, logger: Logger): ServiceImpl<typeof MatchmakingService> {
  const fail = (error: unknown, method: string): never => {
    throw failedCall(error, method, logger);
  };
  return {
    listQueues() {
      return { queues: matchmaker.listQueues().map(toQueueInfo) };
    },
    async enqueue(request, context) {
      try {
        const view = await matchmaker.enqueue(callerOf(context), toEnqueueCommand(request));
        return { ticket: toTicketMessage(view) };
      } catch (error) {
        return fail(error, "Enqueue");
      }
    },
    async getTicket(request, context) {
      try {
        const view = await matchmaker.getTicket(callerOf(context), ticketIdOf(request));
        return { ticket: toTicketMessage(view) };
      } catch (error) {
        return fail(error, "GetTicket");
      }
    },
    async cancelTicket(request, context) {
      try {
        const view = await matchmaker.cancelTicket(callerOf(context), ticketIdOf(request));
        return { ticket: toTicketMessage(view) };
      } catch (error) {
        return fail(error, "CancelTicket");
      }
    },
    async *watchTicket(request, context) {
      try {
        const views = matchmaker.watchTicket(callerOf(context), ticketIdOf(request), context.signal);
        for await (const view of views) yield { ticket: toTicketMessage(view) };
        // Ended by the server shutting down (UNAVAILABLE: reconnect elsewhere) or the deadline, not by a terminal state.
        context.signal.throwIfAborted();
      } catch (error) {
        fail(error, "WatchTicket");
      }
    },
  };
}

function ticketIdOf(request: { readonly ticketId: string }): string {
  return requireText(request.ticketId, "ticket_id", LIMITS.idLength);
}
