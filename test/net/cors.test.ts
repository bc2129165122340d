import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORS_ALLOWED_HEADERS } from "../../src/net/cors.ts";
import { startWebServer, type WebServer } from "../browser/support/web-server.ts";

const ALLOWED = "https://play.example.com";
const OTHER = "https://evil.example.net";
const ENQUEUE_PATH = "/matchmaking.v1.MatchmakingService/Enqueue";

let server: WebServer;
beforeAll(async () => {
  server = await startWebServer({ corsOrigins: [ALLOWED, "http://localhost:5173"] });
});
afterAll(async () => {
  await server.close();
});

function preflight(origin: string, requestHeaders: string): Promise<Response> {
  return fetch(`${server.httpUrl}${ENQUEUE_PATH}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders },
  });
}

describe("CORS on the HTTP port", () => {
  it("answers an allowed origin's preflight with the Connect and gRPC-Web headers and the bearer token", async () => {
    const response = await preflight(ALLOWED, "authorization,connect-protocol-version,content-type");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("access-control-allow-methods")).toBe("POST, GET");
    const allowed = response.headers.get("access-control-allow-headers")!.toLowerCase().split(", ");
    for (const header of ["authorization", "content-type", "connect-protocol-version", "connect-timeout-ms", "x-grpc-web", "x-user-agent", "grpc-timeout", "traceparent"]) {
      expect(allowed).toContain(header);
    }
    expect(response.headers.get("access-control-max-age")).toBe("7200");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("names the origin and exposes the gRPC status headers on actual responses, errors included", async () => {
    const response = await fetch(`${server.httpUrl}${ENQUEUE_PATH}`, {
      method: "POST",
      headers: { origin: ALLOWED, "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{}",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const exposed = response.headers.get("access-control-expose-headers")!.toLowerCase().split(", ");
    expect(exposed).toEqual(expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin"]));
    expect(response.headers.get("vary")).toBe("Origin");
  });

  it("refuses another origin's preflight without any CORS header", async () => {
    const response = await preflight(OTHER, "authorization,content-type");
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-headers")).toBeNull();
  });

  it("leaves another origin's responses without CORS headers, so the browser withholds them", async () => {
    const response = await fetch(`${server.httpUrl}/matchmaking.v1.MatchmakingService/ListQueues`, {
      method: "POST",
      headers: { origin: OTHER, "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("matches origins exactly: scheme, host and port", async () => {
    for (const near of ["http://play.example.com", "https://play.example.com:8443", "https://sub.play.example.com", "http://localhost:5174"]) {
      expect((await preflight(near, "content-type")).status).toBe(403);
    }
    expect((await preflight("http://localhost:5173", "content-type")).status).toBe(204);
  });

  it("lists each allowed request header once", () => {
    const lower = CORS_ALLOWED_HEADERS.map((header) => header.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
  });
});

describe("CORS on the gRPC port (HTTP/2, for proxies that forward browsers' calls over h2c)", () => {
  it("answers an allowed origin's preflight", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.app.servers.grpcPort}`);
    try {
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const stream = session.request({
          ":method": "OPTIONS",
          ":path": ENQUEUE_PATH,
          origin: ALLOWED,
          "access-control-request-method": "POST",
        });
        stream.on("response", (response) => {
          resolve(response);
          stream.close();
        });
        stream.on("error", reject);
        stream.end();
      });
      expect(headers[":status"]).toBe(204);
      expect(headers["access-control-allow-origin"]).toBe(ALLOWED);
    } finally {
      session.close();
    }
  });

  it("names an allowed origin on a plain gRPC call's response, errors included", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.app.servers.grpcPort}`);
    try {
      const fields = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const received: http2.IncomingHttpHeaders = {};
        const stream = session.request({
          ":method": "POST",
          ":path": ENQUEUE_PATH,
          "content-type": "application/grpc",
          te: "trailers",
          origin: ALLOWED,
        });
        stream.on("response", (response) => Object.assign(received, response));
        stream.on("trailers", (trailers) => Object.assign(received, trailers));
        stream.on("error", reject);
        stream.on("close", () => resolve(received));
        stream.resume();
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
      // No token: UNAUTHENTICATED, readable by the page because the origin is named and the status exposed.
      expect([fields["grpc-status"], fields["access-control-allow-origin"], fields.vary]).toEqual(["16", ALLOWED, "Origin"]);
      expect(String(fields["access-control-expose-headers"])).toContain("Grpc-Status");
    } finally {
      session.close();
    }
  });
});
