import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupAfterEach } from "../support/lifecycle.ts";

const onCleanup = cleanupAfterEach();

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "matchmaker-main-"));
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Starts `src/main.ts` as `npm start` would and resolves the URL of its HTTP port once it logs it. */
async function startMain(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; httpUrl: string; adminPort: number | "off" }> {
  const child = spawn(process.execPath, ["src/main.ts", ...args], {
    env: { PATH: process.env.PATH, MATCHMAKER_HOST: "127.0.0.1", MATCHMAKER_GRPC_PORT: "0", MATCHMAKER_HTTP_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  onCleanup(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  });
  if (!child.stdout) throw new Error("the matchmaker's stdout is not piped");
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { msg?: string; httpPort?: number; adminPort?: number | "off" };
    if (entry.msg === "matchmaker started" && entry.httpPort !== undefined && entry.adminPort !== undefined) {
      return { child, httpUrl: `http://127.0.0.1:${entry.httpPort}`, adminPort: entry.adminPort };
    }
  }
  throw new Error("the matchmaker exited before it started");
}

describe("the matchmaker's browser-facing routes, as main.ts wires them", () => {
  it("in development mode: mints console tokens and serves the console", async () => {
    const { httpUrl } = await startMain(["--dev"], { MATCHMAKER_DEV_SECRET_FILE: join(directory, "dev-secret") });
    const minted = await fetch(`${httpUrl}/dev/token?role=player&subject=dev-alice`);
    expect(minted.status).toBe(200);
    expect(((await minted.json()) as { token: string }).token.split(".")).toHaveLength(3);
    const page = await fetch(`${httpUrl}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>Matchmaker console</title>");
  });

  it("in production: no token endpoint, CORS for the configured origins, the console and /metrics can be moved off the HTTP port", async () => {
    const queuesFile = join(directory, "queues.json");
    const queues = JSON.parse(readFileSync("config/queues.json", "utf8")) as object;
    writeFileSync(queuesFile, JSON.stringify({ ...queues, fleets: { main: { type: "registry", url: "http://127.0.0.1:9" } } }));
    const env = {
      MATCHMAKER_QUEUES_FILE: queuesFile,
      MATCHMAKER_AUTH_HS256_SECRET: "a-production-secret-of-at-least-32-bytes",
      MATCHMAKER_CORS_ORIGINS: "https://play.example.com",
    };
    const { httpUrl, adminPort } = await startMain([], env);
    expect(adminPort).toBe("off");
    expect((await fetch(`${httpUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${httpUrl}/dev/token?role=player&subject=mallory`)).status).toBe(404);
    expect((await fetch(`${httpUrl}/console/`)).status).toBe(200);
    const preflight = await fetch(`${httpUrl}/matchmaking.v1.MatchmakingService/WatchTicket`, {
      method: "OPTIONS",
      headers: { origin: "https://play.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://play.example.com");

    const moved = await startMain([], { ...env, MATCHMAKER_CONSOLE: "false", MATCHMAKER_ADMIN_PORT: "0" });
    expect((await fetch(`${moved.httpUrl}/console/`)).status).toBe(404);
    expect((await fetch(`${moved.httpUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${moved.adminPort}/metrics`)).status).toBe(200);
  });
});
