import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { Matchmaker } from "../application/matchmaker.ts";
import type { Logger } from "../application/ports/logger.ts";
import type { TicketView } from "../application/ticket-view.ts";
import {
  WatchTicketResponseSchema,
  type WatchTicketRequest,
  type WatchTicketResponse,
} from "../gen/matchmaking/v1/matchmaking_pb.js";
import { callerOf } from "./caller-context.ts";
import { failedCall } from "./connect-errors.ts";
import { ticketIdOf } from "./request-fields.ts";
import { requestLogger } from "./rpc-observer.ts";
import { toTicketMessage } from "./ticket-message.ts";
import type { MessageStream } from "./invoke-server-streaming.ts";
import { KeepAliveStream } from "./keep-alive-stream.ts";
import type { Pullable } from "./pull-source.ts";

/** The keep-alive message of a WatchTicket stream: no ticket, only the flag. */
const KEEP_ALIVE = create(WatchTicketResponseSchema, { keepAlive: true });

/**
 * A WatchTicket call's responses: the watcher's views as messages, keep-alives while it is idle, and
 * the call's status when it ends. The whole response side of an idle stream is this one object and
 * the application's watcher (BENCHMARKS.md, benchmark 4).
 */
export class WatchTicketResponses extends KeepAliveStream<TicketView, WatchTicketResponse> implements MessageStream<typeof WatchTicketResponseSchema> {
  readonly #matchmaker: Matchmaker;
  readonly #logger: Logger;
  /** As the client sent it; checked when the stream opens. */
  readonly #ticketId: string;
  readonly #context: HandlerContext;

  constructor(matchmaker: Matchmaker, logger: Logger, keepAliveMs: number, request: WatchTicketRequest, context: HandlerContext) {
    super(keepAliveMs);
    this.#matchmaker = matchmaker;
    this.#logger = logger;
    this.#ticketId = request.ticketId;
    this.#context = context;
  }

  /** Full messages already: served as they are (a getter, not a field every stream would hold). */
  get messageSchema(): typeof WatchTicketResponseSchema {
    return WatchTicketResponseSchema;
  }

  /** The application's watch, which the base class reads through its callback `pull`. */
  protected open(): Pullable<TicketView> {
    return this.#matchmaker.watchTicket(callerOf(this.#context), ticketIdOf({ ticketId: this.#ticketId }), this.#context.signal);
  }

  protected message(view: TicketView): WatchTicketResponse {
    return { $typeName: "matchmaking.v1.WatchTicketResponse", ticket: toTicketMessage(view), keepAlive: false };
  }

  protected keepAlive(): WatchTicketResponse {
    return KEEP_ALIVE;
  }

  /** Ended by the server shutting down (UNAVAILABLE: reconnect elsewhere) or the deadline, not by a terminal state. */
  protected override ended(): void {
    this.#context.signal.throwIfAborted();
  }

  protected override failed(error: unknown): unknown {
    return failedCall(error, "WatchTicket", requestLogger(this.#context, this.#logger));
  }
}
