import type { DescMethod } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { Matchmaker } from "../application/matchmaker.ts";
import type { Logger } from "../application/ports/logger.ts";
import type { TicketView } from "../application/ticket-view.ts";
import { MatchmakingService, type Ticket } from "../gen/matchmaking/v1/matchmaking_pb.js";
import { callerOf } from "./caller-context.ts";
import { failedCall } from "./connect-errors.ts";
import { LIMITS, requireText, toEnqueueCommand } from "./enqueue-request.ts";
import { toQueueInfo, toTicketMessage } from "./ticket-message.ts";
import { withKeepAlive } from "./with-keep-alive.ts";

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
        yield* withKeepAlive(ticketMessages(views), options.watchKeepAliveMs, () => KEEP_ALIVE);
      } catch (error) {
        fail(error, "WatchTicket");
      }
    },
  };
}

/** The keep-alive message of a WatchTicket stream: no ticket, only the flag. */
const KEEP_ALIVE = { keepAlive: true } as const;

async function* ticketMessages(views: AsyncIterable<TicketView>): AsyncGenerator<{ ticket: Ticket }, void, undefined> {
  for await (const view of views) yield { ticket: toTicketMessage(view) };
}

function ticketIdOf(request: { readonly ticketId: string }): string {
  return requireText(request.ticketId, "ticket_id", LIMITS.idLength);
}
