import { describe, expect, it } from "vitest";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EnqueueRequestSchema, type EnqueueRequest } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { toEnqueueCommand } from "../../src/net/enqueue-request.ts";

type Init = Parameters<typeof create<typeof EnqueueRequestSchema>>[1];
const valid = { queue: "duel", players: [{ userId: "alice", skill: 1500 }], latencyMs: { "eu-west": 30 } };
/** A request as the server gets it: decoded from the wire. */
const decoded = (init: Init): EnqueueRequest => fromBinary(EnqueueRequestSchema, toBinary(EnqueueRequestSchema, create(EnqueueRequestSchema, init)));
const fieldOf = (init: Init): string | undefined => {
  try {
    toEnqueueCommand(decoded(init));
    return undefined;
  } catch (error) {
    return (error as { field?: string }).field;
  }
};

describe("toEnqueueCommand", () => {
  it("makes the command of a well-formed request", () => {
    expect(toEnqueueCommand(decoded({ ...valid, partyId: "p-1", requestId: "r-1" }))).toEqual({
      queue: "duel",
      players: [{ userId: "alice", skill: 1500 }],
      partyId: "p-1",
      latencyMs: { "eu-west": 30 },
      requestId: "r-1",
    });
  });

  it("names the first bad field in request order: queue, players, latencies, party id, request id", () => {
    const bad = { queue: "", players: [], latencyMs: {}, partyId: "x\u0000", requestId: "r".repeat(129) };
    expect(fieldOf(bad)).toBe("queue");
    expect(fieldOf({ ...bad, queue: "duel" })).toBe("players");
    expect(fieldOf({ ...bad, queue: "duel", players: valid.players })).toBe("latency_ms");
    expect(fieldOf({ ...bad, ...valid })).toBe("party_id");
    expect(fieldOf({ ...valid, requestId: bad.requestId })).toBe("request_id");
  });

  it("checks each player in turn and names duplicates by index", () => {
    const players = [
      { userId: "a", skill: 1 },
      { userId: "b", skill: 2 },
      { userId: "a", skill: 3 },
    ];
    expect(() => toEnqueueCommand(decoded({ ...valid, players }))).toThrow('players[2].user_id: duplicates players[0].user_id "a"');
    expect(fieldOf({ ...valid, players: [{ userId: "a", skill: 1 }, { userId: "", skill: 1 }] })).toBe("players[1].user_id");
    expect(fieldOf({ ...valid, players: [{ userId: "a", skill: -1 }] })).toBe("players[0].skill");
    expect(fieldOf({ ...valid, players: [{ userId: "a", skill: Number.NaN }] })).toBe("players[0].skill");
    expect(fieldOf({ ...valid, latencyMs: { "eu-west": 60_001 } })).toBe('latency_ms["eu-west"]');
  });

  it("keeps every latency key an own key, __proto__ included, for the queue's rules to judge", () => {
    const command = toEnqueueCommand(decoded({ ...valid, latencyMs: { ["__proto__"]: 10, "eu-west": 30 } }));
    expect(Object.keys(command.latencyMs)).toEqual(["__proto__", "eu-west"]);
    expect(Object.getPrototypeOf(command.latencyMs)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(command.latencyMs, "__proto__")?.value).toBe(10);
  });
});
