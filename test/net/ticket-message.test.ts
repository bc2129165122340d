import { create, toBinary } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import type { TicketView } from "../../src/application/ticket-view.ts";
import { AssignmentSchema, TicketSchema, TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { toTicketMessage } from "../../src/net/ticket-message.ts";

const queued: TicketView = {
  id: "ticket-1",
  queue: "duel",
  state: "queued",
  userIds: ["alice", "bob"],
  partyId: "party-1",
  createdAt: 1_767_225_600_123,
  expiresAt: 1_767_225_900_456,
  position: 3,
  estimatedWaitMs: 7_000,
  assignment: undefined,
};

/** The message as protobuf-es's own `create` and time helpers build it. */
function created(view: TicketView) {
  return create(TicketSchema, {
    ticketId: view.id,
    queue: view.queue,
    state: view.state === "matched" ? TicketState.MATCHED : TicketState.QUEUED,
    userIds: [...view.userIds],
    partyId: view.partyId,
    createdAt: timestampFromMs(view.createdAt),
    expiresAt: timestampFromMs(view.expiresAt),
    queuePosition: view.position,
    estimatedWait: view.estimatedWaitMs === undefined ? undefined : durationFromMs(view.estimatedWaitMs),
    assignment:
      view.assignment === undefined
        ? undefined
        : create(AssignmentSchema, {
            ...view.assignment,
            expiresAt: timestampFromMs(view.assignment.matchTicketExpiresAt),
            teams: view.assignment.teams.map((userIds) => ({ userIds: [...userIds] })),
            partyMatchTickets: view.assignment.partyMatchTickets.map((entry) => ({ ...entry })),
          }),
  });
}

describe("toTicketMessage", () => {
  it("builds the message protobuf-es's create would, for a queued ticket", () => {
    expect(toTicketMessage(queued)).toEqual(created(queued));
    expect(toBinary(TicketSchema, toTicketMessage(queued))).toEqual(toBinary(TicketSchema, created(queued)));
  });

  it("builds the message protobuf-es's create would, for a matched ticket with its assignment", () => {
    const matched: TicketView = {
      ...queued,
      state: "matched",
      position: 0,
      estimatedWaitMs: undefined,
      assignment: {
        matchId: "match-1",
        region: "eu-west",
        serverAddress: "10.0.0.1:7777",
        matchTicket: "ticket-for-alice",
        matchTicketExpiresAt: 1_767_225_660_789,
        teams: [["alice"], ["bob"]],
        partyMatchTickets: [
          { userId: "alice", matchTicket: "ticket-for-alice" },
          { userId: "bob", matchTicket: "ticket-for-bob" },
        ],
      },
    };
    expect(toTicketMessage(matched)).toEqual(created(matched));
    expect(toBinary(TicketSchema, toTicketMessage(matched))).toEqual(toBinary(TicketSchema, created(matched)));
  });

  it("writes durations as durationFromMs does, below a second and below zero too", () => {
    for (const estimatedWaitMs of [0, 999, 1_500, -1_500, -500]) {
      const view = { ...queued, estimatedWaitMs };
      expect(toTicketMessage(view).estimatedWait).toEqual(durationFromMs(estimatedWaitMs));
    }
  });
});
