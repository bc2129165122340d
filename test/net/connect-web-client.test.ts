import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { MatchmakingService, TicketState, type WatchTicketResponse } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { startWebServer, type WebServer } from "../browser/support/web-server.ts";

const KEEP_ALIVE_MS = 20;

let server: WebServer;
beforeAll(async () => {
  server = await startWebServer({ watchKeepAliveMs: KEEP_ALIVE_MS });
});
afterAll(async () => {
  await server.close();
});

/** Sends the bearer token the way a browser client's interceptor does. */
function bearer(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

type WebTransportFactory = (options: { baseUrl: string; interceptors: Interceptor[] }) => Transport;

const transports: [string, WebTransportFactory][] = [
  ["connect-web over the Connect protocol", createConnectTransport],
  ["connect-web over gRPC-Web", createGrpcWebTransport],
];

describe.each(transports)("%s (fetch, HTTP/1.1)", (label, createTransport) => {
  const tag = label.replace(/\W+/g, "-");
  const clientFor = async (userId: string): Promise<Client<typeof MatchmakingService>> =>
    createClient(MatchmakingService, createTransport({ baseUrl: server.httpUrl, interceptors: [bearer(await server.token("player", userId))] }));

  it("enqueues, gets and cancels a ticket with a player's bearer token", async () => {
    const client = await clientFor(`${tag}-alice`);
    const { ticket } = await client.enqueue({ queue: "duel", players: [{ userId: `${tag}-alice`, skill: 1200 }], latencyMs: { "eu-west": 30 } });
    expect(ticket!.state).toBe(TicketState.QUEUED);
    const fetched = await client.getTicket({ ticketId: ticket!.ticketId });
    expect(fetched.ticket!.userIds).toEqual([`${tag}-alice`]);
    const cancelled = await client.cancelTicket({ ticketId: ticket!.ticketId });
    expect(cancelled.ticket!.state).toBe(TicketState.CANCELLED);
  });

  it("watches a ticket through idle keep-alives to its assignment, then the stream ends", async () => {
    const [first, second] = [await clientFor(`${tag}-w1`), await clientFor(`${tag}-w2`)];
    const { ticket } = await first.enqueue({ queue: "duel", players: [{ userId: `${tag}-w1`, skill: 1500 }], latencyMs: { "us-east": 20 } });
    const messages: WatchTicketResponse[] = [];
    const stream = first.watchTicket({ ticketId: ticket!.ticketId })[Symbol.asyncIterator]();
    const take = async (): Promise<WatchTicketResponse> => {
      const result = await stream.next();
      if (result.done === true) throw new Error("the stream ended early");
      messages.push(result.value);
      return result.value;
    };
    expect((await take()).ticket!.state).toBe(TicketState.QUEUED);
    // Nothing changes: the server keeps the stream alive with ticket-less messages.
    const keepAlive = await take();
    expect(keepAlive.keepAlive).toBe(true);
    expect(keepAlive.ticket).toBeUndefined();

    await second.enqueue({ queue: "duel", players: [{ userId: `${tag}-w2`, skill: 1500 }], latencyMs: { "us-east": 20 } });
    await server.app.runPass();
    let last = await take();
    while (last.keepAlive || last.ticket!.state !== TicketState.MATCHED) last = await take();
    expect(last.ticket!.assignment!.teams.flatMap((team) => team.userIds).sort()).toEqual([`${tag}-w1`, `${tag}-w2`]);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(messages.every((message) => message.keepAlive !== (message.ticket !== undefined))).toBe(true);
  });

  it("ends the stream cleanly after a cancellation and after an expiry", async () => {
    const client = await clientFor(`${tag}-ends`);
    const stateAtEnd = async (ticketId: string, act: () => Promise<void>): Promise<TicketState> => {
      const stream = client.watchTicket({ ticketId })[Symbol.asyncIterator]();
      expect((await stream.next()).value?.ticket?.state).toBe(TicketState.QUEUED);
      await act();
      let last: TicketState | undefined;
      for (let result = await stream.next(); result.done !== true; result = await stream.next()) {
        if (result.value.ticket !== undefined) last = result.value.ticket.state;
      }
      return last!;
    };
    const enqueue = async (queue: string): Promise<string> => {
      const { ticket } = await client.enqueue({ queue, players: [{ userId: `${tag}-ends`, skill: 1 }], latencyMs: { "eu-west": 30 } });
      return ticket!.ticketId;
    };
    const cancelled = await enqueue("duel");
    expect(await stateAtEnd(cancelled, async () => void (await client.cancelTicket({ ticketId: cancelled })))).toBe(TicketState.CANCELLED);
    const expiring = await enqueue("ffa-8");
    const expired = await stateAtEnd(expiring, async () => {
      server.clock.advanceSeconds(301);
      await server.app.runPass();
    });
    expect(expired).toBe(TicketState.EXPIRED);
  });

  it("refuses a call without a token", async () => {
    const client = createClient(MatchmakingService, createTransport({ baseUrl: server.httpUrl, interceptors: [] }));
    const error = await client.getTicket({ ticketId: "ticket-1" }).catch((reason: unknown) => reason);
    expect(ConnectError.from(error).code).toBe(Code.Unauthenticated);
  });
});
