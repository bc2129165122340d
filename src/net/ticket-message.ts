import { create } from "@bufbuild/protobuf";
import { durationFromMs, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { TicketView } from "../application/ticket-view.ts";
import type { QueueConfig } from "../domain/queue-config.ts";
import type { TicketState as DomainTicketState } from "../domain/ticket.ts";
import {
  QueueInfoSchema,
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

/**
 * The wire form of a caller's ticket view. Only public fields exist in the view, so none leak here.
 *
 * Written as the message objects themselves (protobuf-es messages are plain objects; the types make
 * every field explicit) rather than through `create` and an init object per message: a WatchTicket
 * stream sends one per update, tens of thousands per matching pass (BENCHMARKS.md, benchmark 4).
 */
export function toTicketMessage(view: TicketView): Ticket {
  const assignment = view.assignment;
  return {
    $typeName: "matchmaking.v1.Ticket",
    ticketId: view.id,
    queue: view.queue,
    state: STATES[view.state],
    userIds: view.userIds,
    partyId: view.partyId,
    createdAt: timestamp(view.createdAt),
    expiresAt: timestamp(view.expiresAt),
    queuePosition: view.position,
    estimatedWait: view.estimatedWaitMs === undefined ? undefined : duration(view.estimatedWaitMs),
    assignment:
      assignment === undefined
        ? undefined
        : {
            $typeName: "matchmaking.v1.Assignment",
            matchId: assignment.matchId,
            serverAddress: assignment.serverAddress,
            matchTicket: assignment.matchTicket,
            expiresAt: timestamp(assignment.matchTicketExpiresAt),
            teams: assignment.teams.map((userIds) => ({ $typeName: "matchmaking.v1.Team", userIds: userIds.slice() })),
            region: assignment.region,
            partyMatchTickets: assignment.partyMatchTickets.map((entry) => ({
              $typeName: "matchmaking.v1.PlayerMatchTicket",
              userId: entry.userId,
              matchTicket: entry.matchTicket,
            })),
          },
  };
}

/** `timestampFromMs` written directly (see {@link toTicketMessage}). */
function timestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { $typeName: "google.protobuf.Timestamp", seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** `durationFromMs` written directly (see {@link toTicketMessage}): seconds and nanos share the sign. */
function duration(ms: number): Duration {
  const seconds = Math.trunc(ms / 1000);
  return { $typeName: "google.protobuf.Duration", seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
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
