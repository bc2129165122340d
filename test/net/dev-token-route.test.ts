import { describe, expect, it } from "vitest";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { decodeJwt } from "jose";
import { MatchmakingService, TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { startWebServer, type WebServer } from "../browser/support/web-server.ts";
import { cleanupAfterEach } from "../support/lifecycle.ts";

const onCleanup = cleanupAfterEach();

async function started(devTokens: boolean): Promise<WebServer> {
  const server = await startWebServer({ devTokens });
  onCleanup(() => server.close());
  return server;
}

function clientWith(server: WebServer, token: string): Client<typeof MatchmakingService> {
  const bearer: Interceptor = (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  return createClient(MatchmakingService, createConnectTransport({ baseUrl: server.httpUrl, interceptors: [bearer] }));
}

describe("GET /dev/token", () => {
  it("mints a short-lived player token the server accepts", async () => {
    const server = await started(true);
    const response = await fetch(`${server.httpUrl}/dev/token?role=player&subject=dev-alice`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: string };
    const claims = decodeJwt(token);
    expect(claims.sub).toBe("dev-alice");
    expect(claims.scope).toBeUndefined();
    expect(new Date(expiresAt).getTime()).toBe(claims.exp! * 1000);
    expect(claims.exp! - claims.iat!).toBe(900);
    const { ticket } = await clientWith(server, token).enqueue({ queue: "duel", players: [{ userId: "dev-alice", skill: 1 }], latencyMs: { "eu-west": 10 } });
    expect(ticket!.state).toBe(TicketState.QUEUED);
  });

  it("mints a service token for the operate view", async () => {
    const server = await started(true);
    const { token } = (await (await fetch(`${server.httpUrl}/dev/token?role=service&subject=console`)).json()) as { token: string };
    expect(decodeJwt(token).scope).toBe("matchmaker:service");
  });

  it.each([
    ["role=gameserver&subject=gs-1", /^role: must be one of player, service, got "gameserver"$/],
    ["role=player", /^subject: must be 1 to 128 characters$/],
    [`subject=${"x".repeat(129)}`, /^subject: /],
  ])("refuses ?%s naming the field", async (query, message) => {
    const server = await started(true);
    const response = await fetch(`${server.httpUrl}/dev/token?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });

  it("does not exist outside development mode", async () => {
    const server = await started(false);
    const response = await fetch(`${server.httpUrl}/dev/token?role=player&subject=mallory`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toMatch(/eyJ/);
  });
});
