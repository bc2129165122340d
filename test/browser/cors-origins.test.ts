import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launchChromium, type TestBrowser } from "./support/browser.ts";
import { startWebServer, type WebServer } from "./support/web-server.ts";

/** What a page's cross-origin call came to, as seen by the page's own script. */
interface PageOutcome {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

/** A game's web page on an origin of its own: a blank document for scripts to run in. */
async function startPageHost(): Promise<{ origin: string; close(): Promise<void> }> {
  const host = http.createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end("<!doctype html><title>game launcher</title>");
  });
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(host.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => host.close(() => resolve())),
  };
}

let allowedHost: Awaited<ReturnType<typeof startPageHost>>;
let otherHost: Awaited<ReturnType<typeof startPageHost>>;
let server: WebServer;
let browser: TestBrowser;
let ticketId: string;
let token: string;

beforeAll(async () => {
  allowedHost = await startPageHost();
  otherHost = await startPageHost();
  server = await startWebServer({ corsOrigins: [allowedHost.origin] });
  browser = await launchChromium();
  token = await server.token("player", "launcher-player");
  const ticket = await server.app.matchmaker.enqueue(
    { kind: "player", userId: "launcher-player" },
    { queue: "duel", players: [{ userId: "launcher-player", skill: 1000 }], latencyMs: { "eu-west": 20 }, partyId: "", requestId: "" },
  );
  ticketId = ticket.id;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await allowedHost?.close();
  await otherHost?.close();
});

async function pageOn(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}

/** GetTicket over the Connect protocol with a bearer token: a preflighted request. */
function connectGetTicket(page: Page): Promise<PageOutcome> {
  return page.evaluate(
    async ({ url, token, ticketId }) => {
      try {
        const response = await fetch(`${url}/matchmaking.v1.MatchmakingService/GetTicket`, {
          method: "POST",
          headers: { "content-type": "application/json", "connect-protocol-version": "1", authorization: `Bearer ${token}` },
          body: JSON.stringify({ ticketId }),
        });
        return { status: response.status, body: await response.text() };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { url: server.httpUrl, token, ticketId },
  );
}

/** GetTicket over gRPC-Web without a token: the page reads the error status from the trailers in the body. */
function grpcWebUnauthenticated(page: Page): Promise<PageOutcome> {
  return page.evaluate(async (url) => {
    try {
      const response = await fetch(`${url}/matchmaking.v1.MatchmakingService/GetTicket`, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
        body: new Uint8Array([0, 0, 0, 0, 0]),
      });
      return { status: response.status, body: new TextDecoder().decode(await response.arrayBuffer()) };
    } catch (error) {
      return { error: String(error) };
    }
  }, server.httpUrl);
}

describe("CORS, from pages in Chromium", () => {
  it("lets a page from a configured origin call with its bearer token", async () => {
    const page = await pageOn(allowedHost.origin);
    const outcome = await connectGetTicket(page);
    expect(outcome.status).toBe(200);
    expect(JSON.parse(outcome.body!)).toMatchObject({ ticket: { ticketId, state: "TICKET_STATE_QUEUED", userIds: ["launcher-player"] } });
    const grpcWeb = await grpcWebUnauthenticated(page);
    expect(grpcWeb.status).toBe(200);
    expect(grpcWeb.body).toContain("grpc-status: 16");
    await page.close();
  });

  it("refuses a page from any other origin: its preflight gets no CORS answer, so the call fails in the page", async () => {
    const page = await pageOn(otherHost.origin);
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    expect((await connectGetTicket(page)).error).toMatch(/TypeError: Failed to fetch/);
    expect((await grpcWebUnauthenticated(page)).error).toMatch(/TypeError: Failed to fetch/);
    expect(consoleErrors.join("\n")).toMatch(/CORS policy/);
    await page.close();
  });
});
