import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { bearerMetadata, grpcJsMatchmakingClient, unary, type GrpcJsMatchmakingClient, type Unary, type WireTicket } from "../support/grpc-js-client.ts";
import { startServerHarness, type ServerHarness } from "../support/server-harness.ts";

let harness: ServerHarness;
let client: GrpcJsMatchmakingClient;
let serviceToken: string;

beforeAll(async () => {
  harness = await startServerHarness();
  serviceToken = await harness.token("service", "grpc-js-backend");
  client = grpcJsMatchmakingClient(harness.app.servers.grpcPort);
});

afterAll(async () => {
  client.close();
  await harness.close();
});

const metadata = (): grpc.Metadata => bearerMetadata(serviceToken);

function call<Req, Res>(method: Unary<Req, Res>, request: Req, meta = metadata()): Promise<Res> {
  return unary(client, method, request, meta);
}

describe("@grpc/grpc-js client with proto-loader", () => {
  it("lists queues", async () => {
    const response = await call(client.ListQueues, {});
    expect(response.queues.map((queue) => queue.name)).toEqual(["duel", "squads-5v5", "ffa-8"]);
  });

  it("enqueues a free-for-all and streams every player's assignment", async () => {
    const tickets: WireTicket[] = [];
    for (let i = 0; i < 8; i++) {
      const { ticket } = await call(client.Enqueue, {
        queue: "ffa-8",
        players: [{ userId: `ffa-${i}`, skill: 1200 + i * 10 }],
        latencyMs: { "us-east": 40 },
      });
      expect(ticket.state).toBe("TICKET_STATE_QUEUED");
      tickets.push(ticket);
    }
    const streams = tickets.map((ticket) => {
      const stream = client.WatchTicket({ ticketId: ticket.ticketId }, metadata());
      const messages: WireTicket[] = [];
      const first = new Promise<void>((resolve) => stream.once("data", () => resolve()));
      stream.on("data", (message: { ticket: WireTicket }) => messages.push(message.ticket));
      const ended = new Promise<{ messages: WireTicket[]; code: number }>((resolve, reject) => {
        stream.on("status", (status: grpc.StatusObject) => resolve({ messages, code: status.code }));
        stream.on("error", (error) => reject(error));
      });
      return { first, ended };
    });
    await Promise.all(streams.map((stream) => stream.first));
    await harness.app.runPass();
    const results = await Promise.all(streams.map((stream) => stream.ended));
    const matchIds = new Set<string>();
    for (const { messages, code } of results) {
      expect(code).toBe(grpc.status.OK);
      expect(messages[0]!.state).toBe("TICKET_STATE_QUEUED");
      const last = messages.at(-1)!;
      expect(last.state).toBe("TICKET_STATE_MATCHED");
      expect(last.assignment!.teams).toHaveLength(8);
      matchIds.add(last.assignment!.matchId);
    }
    expect(matchIds.size).toBe(1);
  });

  it("maps errors to gRPC status codes with the field named", async () => {
    const error = (await call(client.Enqueue, { queue: "duel", players: [{ userId: "x", skill: 1 }], latencyMs: {} }).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^latency_ms: /);
    const missing = (await call(client.GetTicket, { ticketId: "nope" }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
    const unauthenticated = (await call(client.GetTicket, { ticketId: "nope" }, new grpc.Metadata()).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(unauthenticated.code).toBe(grpc.status.UNAUTHENTICATED);
  });
});
