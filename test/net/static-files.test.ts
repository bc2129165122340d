import http from "node:http";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../browser/support/web-server.ts";

const SECRET = "outside-the-site-do-not-serve";

let parent: string;
let server: WebServer;
beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), "static-files-"));
  const site = join(parent, "site");
  mkdirSync(join(site, "assets"), { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(join(site, "assets", "index-abc123.js"), "export {};");
  writeFileSync(join(site, "assets", "index-abc123.css"), "body{}");
  writeFileSync(join(site, "icon.svg"), "<svg/>");
  writeFileSync(join(site, "blob.bin"), "x");
  writeFileSync(join(parent, "secret.txt"), SECRET);
  writeFileSync(join(parent, "site-other.txt"), SECRET);
  server = await startWebServer({ consoleDir: site });
});
afterAll(async () => {
  await server.close();
  rmSync(parent, { recursive: true, force: true });
});

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Sends the path exactly as written (fetch would normalize the dots away before sending). */
function rawGet(path: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port: server.app.servers.httpPort, path, method: "GET" }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("the console's static files", () => {
  it("serves the page with its content type, a strict content security policy and no caching", async () => {
    const response = await rawGet("/console/");
    expect(response.status).toBe(200);
    expect(response.body).toContain("<title>console</title>");
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-cache");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["content-security-policy"]).toContain("default-src 'self'");
    expect((await rawGet("/console/index.html?view=operate")).body).toContain("<title>console</title>");
  });

  it.each([
    ["/console/assets/index-abc123.js", "text/javascript; charset=utf-8"],
    ["/console/assets/index-abc123.css", "text/css; charset=utf-8"],
    ["/console/icon.svg", "image/svg+xml"],
    ["/console/blob.bin", "application/octet-stream"],
  ])("serves %s as %s", async (path, contentType) => {
    const response = await rawGet(path);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe(contentType);
  });

  it("caches content-hashed assets for good", async () => {
    expect((await rawGet("/console/assets/index-abc123.js")).headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("redirects the folder without its slash", async () => {
    const response = await rawGet("/console");
    expect(response.status).toBe(308);
    expect(response.headers.location).toBe("/console/");
  });

  it.each([
    "/console/missing.js",
    "/console/assets",
    "/console/../secret.txt",
    "/console/%2e%2e/secret.txt",
    "/console/..%2fsecret.txt",
    "/console/%2e%2e%2fsecret.txt",
    "/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/console/..%5csecret.txt",
    "/console/%2e%2e%2fsite-other.txt",
    "/console/%00index.html",
    "/console/%E0%A4%A",
  ])("answers %s with not found and never a file outside the site", async (path) => {
    const response = await rawGet(path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain(SECRET);
  });
});
