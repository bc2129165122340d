import { describe, expect, it } from "vitest";
import { CorruptTicketError, decodeWaitingTicket, ticketFields } from "../../src/storage/redis/ticket-codec.ts";
import { queuedTicket } from "./ticket-store-conformance.ts";

/** The `doc` field a ticket is stored with. */
function storedDoc(): Record<string, unknown> {
  const fields = ticketFields(queuedTicket("t1"));
  return JSON.parse(fields[fields.indexOf("doc") + 1]!) as Record<string, unknown>;
}

describe("decodeWaitingTicket", () => {
  it("reads back the document a ticket is stored with", () => {
    const { id, queue, players, partyId, latencyMs, createdAt, expiresAt } = queuedTicket("t1");
    expect(decodeWaitingTicket(JSON.stringify(storedDoc()))).toEqual({ id, queue, players, partyId, latencyMs, createdAt, expiresAt });
  });

  it.each([
    ["not a string", 42, "a ticket document must be a string"],
    ["not JSON", "{not json", "a ticket document is not JSON"],
    ["JSON null", "null", "ticket document without an id: id must be a string"],
    ["no id", { ...storedDoc(), id: undefined }, "ticket document without an id: id must be a string"],
    ["no queue", { ...storedDoc(), queue: 7 }, 'ticket document "t1": queue must be a string'],
    ["no party id", { ...storedDoc(), partyId: null }, 'ticket document "t1": partyId must be a string'],
    ["a creation time that is not a number", { ...storedDoc(), createdAt: "yesterday" }, 'ticket document "t1": createdAt and expiresAt must be numbers'],
    ["no players", { ...storedDoc(), players: [] }, 'ticket document "t1": players must be a non-empty list'],
    ["a player without a skill", { ...storedDoc(), players: [{ userId: "u" }] }, 'ticket document "t1": every player needs a userId and a numeric skill'],
    ["a player that is not an object", { ...storedDoc(), players: [null] }, 'ticket document "t1": every player needs a userId and a numeric skill'],
    ["latencies in a list", { ...storedDoc(), latencyMs: [20] }, 'ticket document "t1": latencyMs must be an object'],
    ["a latency that is not a number", { ...storedDoc(), latencyMs: { "eu-west": "fast" } }, 'ticket document "t1": every latency must be a number'],
  ])("refuses a document with %s, naming what is wrong", (_, doc, message) => {
    const text = typeof doc === "string" || typeof doc === "number" ? doc : JSON.stringify(doc);
    expect(() => decodeWaitingTicket(text)).toThrow(new CorruptTicketError(message));
  });
});
