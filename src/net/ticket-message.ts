import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { TicketView } from "../application/ticket-view.ts";
import type { QueueConfig } from "../domain/queue-config.ts";
import type { TicketState as DomainTicketState } from "../domain/ticket.ts";
import {
  AssignmentSchema,
  QueueInfoSchema,
  TicketSchema,
  TicketState,
  type QueueInfo,
  type Ticket,
} from "../gen/matchmaking/v1/matchmaking_pb.js";

const STATES: Record<DomainTicketState, TicketState> = {
  queued: TicketState.QUEUED,
  allocating: TicketState.ALLOCATING,
  matched: TicketState.MATCHED,
  cancelled: TicketState.CANCELLED,
  expired: TicketState.EXPIRED,
};

/** The wire form of a caller's ticket view. Only public fields exist in the view, so none leak here. */
export function toTicketMessage(view: TicketView): Ticket {
  const assignment = view.assignment;
  return create(TicketSchema, {
    ticketId: view.id,
    queue: view.queue,
    state: STATES[view.state],
    userIds: [...view.userIds],
    partyId: view.partyId,
    createdAt: timestampFromMs(view.createdAt),
    expiresAt: timestampFromMs(view.expiresAt),
    queuePosition: view.position,
    estimatedWait: view.estimatedWaitMs === undefined ? undefined : durationFromMs(view.estimatedWaitMs),
    assignment:
      assignment === undefined
        ? undefined
        : create(AssignmentSchema, {
            matchId: assignment.matchId,
            serverAddress: assignment.serverAddress,
            matchTicket: assignment.matchTicket,
            expiresAt: timestampFromMs(assignment.matchTicketExpiresAt),
            teams: assignment.teams.map((userIds) => ({ userIds: [...userIds] })),
            region: assignment.region,
            partyMatchTickets: assignment.partyMatchTickets.map((entry) => ({ ...entry })),
          }),
  });
}

/** The wire form of a queue's public description. */
export function toQueueInfo(queue: QueueConfig): QueueInfo {
  return create(QueueInfoSchema, {
    name: queue.name,
    description: queue.description,
    teamCount: queue.teamCount,
    teamSize: queue.teamSize,
    minPartySize: queue.minPartySize,
    maxPartySize: queue.maxPartySize,
    regions: queue.regions.map((region) => ({ name: region.name, maxLatencyMs: region.maxLatencyMs })),
    ticketTtl: durationFromMs(queue.ticketTtlMs),
  });
}
