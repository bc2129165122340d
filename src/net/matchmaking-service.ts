import type { ServiceImpl } from "@connectrpc/connect";
import type { Matchmaker } from "../application/matchmaker.ts";
import type { Logger } from "../application/ports/logger.ts";
import { MatchmakingService } from "../gen/matchmaking/v1/matchmaking_pb.js";
import { callerOf, type CallerAuthScope } from "./caller-context.ts";
import { toConnectError } from "./connect-errors.ts";
import { LIMITS, requireText, toEnqueueCommand } from "./enqueue-request.ts";
import { toQueueInfo, toTicketMessage } from "./ticket-message.ts";

/** MatchmakingService's callers are players and services; only queue discovery is public. */
export const MATCHMAKING_AUTH_SCOPE: CallerAuthScope = {
  services: new Set([MatchmakingService.typeName]),
  publicMethods: new Set([`${MatchmakingService.typeName}/${MatchmakingService.method.listQueues.name}`]),
};

/**
 * The MatchmakingService handlers: validate, call the use case, map the result or error. Served
 * as-is over gRPC, gRPC-Web and the Connect protocol.
 */
export function createMatchmakingService(matchmaker: Matchmaker, logger: Logger): ServiceImpl<typeof MatchmakingService> {
  const fail = (error: unknown, method: string): never => {
    const connectError = toConnectError(error);
    if (connectError.cause !== undefined) logger.error({ err: connectError.cause, method }, "request failed");
    throw connectError;
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
      } catch (error) {
        fail(error, "WatchTicket");
      }
    },
  };
}

function ticketIdOf(request: { readonly ticketId: string }): string {
  return requireText(request.ticketId, "ticket_id", LIMITS.idLength);
}
