/**
 * Load generator (child process): holds one WatchTicket stream open per ticket id, over several
 * HTTP/2 connections, and notes when each ticket's assignment arrives.
 *
 * Protocol with the parent: config in; "opened" once every stream has its first message; on
 * "report", sends the deliveries and exits.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  MatchmakingService,
  TicketState,
  WatchTicketRequestSchema,
  WatchTicketResponseSchema,
} from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { nextParentMessage } from "./child-process.ts";
import { grpcFrame } from "./enqueue-requests.ts";
import { connectH2c, GrpcFrameReader } from "./grpc-frames.ts";

export interface WatchClientsConfig {
  readonly port: number;
  readonly authorization: string;
  readonly connections: number;
  readonly ticketIds: readonly string[];
}

export type WatchClientsMessage =
  | { readonly type: "opened"; readonly failed: number }
  | {
      readonly type: "report";
      /** `[matchId, wall-clock ms]` of each assignment received. */
      readonly deliveries: readonly (readonly [string, number])[];
      /** Every message received on every stream. */
      readonly messages: number;
      readonly failed: number;
    };

const config = await nextParentMessage<WatchClientsConfig>();
const path = `/${MatchmakingService.typeName}/${MatchmakingService.method.watchTicket.name}`;
const sessions = await Promise.all(Array.from({ length: config.connections }, () => connectH2c(config.port)));
const deliveries: [string, number][] = [];
let messages = 0;
let opened = 0;
let failed = 0;
let resolveOpened: () => void = () => {};
const allOpened = new Promise<void>((resolve) => {
  resolveOpened = resolve;
});
const settle = (): void => {
  if (opened + failed === config.ticketIds.length) resolveOpened();
};

config.ticketIds.forEach((ticketId, index) => {
  const stream = sessions[index % sessions.length]!.request({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc+proto",
    te: "trailers",
    authorization: config.authorization,
  });
  const reader = new GrpcFrameReader();
  let first = true;
  stream.on("data", (chunk: Buffer) => {
    for (const bytes of reader.push(chunk)) {
      messages++;
      const ticket = fromBinary(WatchTicketResponseSchema, bytes).ticket;
      if (ticket?.state === TicketState.MATCHED && ticket.assignment !== undefined) {
        deliveries.push([ticket.assignment.matchId, performance.timeOrigin + performance.now()]);
      }
      if (first) {
        first = false;
        opened++;
        settle();
      }
    }
  });
  stream.on("error", () => {});
  stream.on("close", () => {
    if (first) {
      first = false;
      failed++;
      settle();
    }
  });
  stream.end(grpcFrame(toBinary(WatchTicketRequestSchema, create(WatchTicketRequestSchema, { ticketId }))));
});

await allOpened;
process.send!({ type: "opened", failed } satisfies WatchClientsMessage);
await nextParentMessage<{ type: "report" }>();
process.send!({ type: "report", deliveries, messages, failed } satisfies WatchClientsMessage, () => {
  for (const session of sessions) session.destroy();
  process.exit(0);
});
