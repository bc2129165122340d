import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import http2 from "node:http2";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { mintToken } from "../../src/clients/auth/mint-token.ts";
import { MatchTicketService } from "../../src/gen/gameserver/v1/match_ticket_pb.js";
import { GameServerRegistryService } from "../../src/gen/gameserver/v1/registry_pb.js";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../src/gen/grpc/health/v1/health_pb.js";
import { MatchmakingService, TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { JsonLogLines } from "../support/json-log-lines.ts";
import { cleanupAfterEach } from "../support/lifecycle.ts";

const cleanup = cleanupAfterEach();
const SECRET = "sigterm-test-shared-secret-0123456789abcdef";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

/**
 * A game-server registry on the real wire protocol whose Allocate answers only when the test says
 * so: it holds a placement in flight across SIGTERM.
 */
async function startGatedRegistry() {
  let allocationStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    allocationStarted = resolve;
  });
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  const server = http2.createServer(
    connectNodeAdapter({
      routes: (router) =>
        router.service(GameServerRegistryService, {
          async allocate(request) {
            allocationStarted();
            await answered;
            return { address: { host: "10.1.2.3", port: 7777 }, serverId: `gs-${request.matchId}` };
          },
        }),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup(() => {
    answer();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, started, answer };
}

interface Matchmaker {
  readonly child: ChildProcess;
  readonly logs: JsonLogLines;
  readonly grpcUrl: string;
  readonly httpUrl: string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** `node src/main.ts` as a production deployment runs it: its own process, configuration from the environment. */
async function startMatchmaker(registryUrl: string, env: Record<string, string>): Promise<Matchmaker> {
  const dir = mkdtempSync(join(tmpdir(), "matchmaker-sigterm-"));
  cleanup(() => rmSync(dir, { recursive: true, force: true }));
  const queuesFile = join(dir, "queues.json");
  const { queues } = JSON.parse(readFileSync("config/queues.json", "utf8")) as { queues: unknown };
  writeFileSync(queuesFile, JSON.stringify({ queues, fleets: { gated: { type: "registry", url: registryUrl } } }));
  const child = spawn(process.execPath, ["src/main.ts"], {
    env: {
      ...process.env,
      HOME: dir,
      MATCHMAKER_HOST: "127.0.0.1",
      MATCHMAKER_GRPC_PORT: "0",
      MATCHMAKER_HTTP_PORT: "0",
      MATCHMAKER_QUEUES_FILE: queuesFile,
      MATCHMAKER_AUTH_HS256_SECRET: SECRET,
      MATCHMAKER_LOG_LEVEL: "debug",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  cleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const logs = new JsonLogLines(child.stdout!);
  const started = await logs.waitFor("matchmaker started");
  return {
    child,
    logs,
    grpcUrl: `http://127.0.0.1:${String(started["grpcPort"])}`,
    httpUrl: `http://127.0.0.1:${String(started["httpPort"])}`,
    exited,
  };
}

function withHeaders(headers: Record<string, string>): Interceptor[] {
  return [
    (next) => (request) => {
      for (const [name, value] of Object.entries(headers)) request.header.set(name, value);
      return next(request);
    },
  ];
}

async function serviceClient(grpcUrl: string, headers: Record<string, string> = {}) {
  const token = await mintToken({ role: "service", subject: "game-backend", secret: new TextEncoder().encode(SECRET) });
  return createClient(MatchmakingService, createGrpcTransport({ baseUrl: grpcUrl, interceptors: withHeaders({ authorization: `Bearer ${token}`, ...headers }) }));
}

describe("node src/main.ts", () => {
  it("logs its configuration with secrets redacted, and debug lines per call with the caller's trace id", async () => {
    const registry = await startGatedRegistry();
    const matchmaker = await startMatchmaker(registry.url, { MATCHMAKER_SHUTDOWN_GRACE_SECONDS: "7" });
    const configuration = (await matchmaker.logs.waitFor("configuration"))["configuration"] as {
      environment: Record<string, string>;
      settings: Record<string, unknown>;
      fleets: { defaultFleet: string };
    };
    expect(configuration.environment["MATCHMAKER_AUTH_HS256_SECRET"]).toBe("[redacted]");
    expect(configuration.settings).toMatchObject({ shutdownGraceMs: 7000, reflection: true, queueStatsWindowMs: 300_000, logLevel: "debug" });
    expect(configuration.fleets.defaultFleet).toBe("gated");

    const client = await serviceClient(matchmaker.grpcUrl, { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    await client.listQueues({});
    const line = await matchmaker.logs.waitFor("rpc", (entry) => entry["traceId"] === TRACE_ID);
    expect(line).toMatchObject({ level: 20, rpc: "matchmaking.v1.MatchmakingService/ListQueues", code: "OK" });
    expect(typeof line["durationMs"]).toBe("number");
    // The trace leads to the ticket id, which every later line about the ticket carries.
    const { ticket } = await client.enqueue({ queue: "duel", players: [{ userId: "t", skill: 1 }], latencyMs: { "eu-west": 20 } });
    const enqueued = await matchmaker.logs.waitFor("ticket enqueued", (entry) => entry["traceId"] === TRACE_ID);
    expect(enqueued).toMatchObject({ ticketId: ticket!.ticketId, queue: "duel" });

    matchmaker.child.kill("SIGTERM");
    expect(await matchmaker.exited).toEqual([0, null]);
    expect(JSON.stringify(matchmaker.logs.entries)).not.toContain(SECRET);
  });

  it("serves game servers redeeming match tickets beside the player API", async () => {
    const registry = await startGatedRegistry();
    registry.answer();
    const matchmaker = await startMatchmaker(registry.url, {});
    const client = await serviceClient(matchmaker.grpcUrl);
    const { ticket } = await client.enqueue({ queue: "duel", players: [{ userId: "p1", skill: 1000 }], latencyMs: { "eu-west": 20 } });
    await client.enqueue({ queue: "duel", players: [{ userId: "p2", skill: 1000 }], latencyMs: { "eu-west": 20 } });
    let matched = ticket!;
    for await (const update of client.watchTicket({ ticketId: ticket!.ticketId })) matched = update.ticket!;
    const assignment = matched.assignment!;
    // The gated registry names each server after its match.
    const token = await mintToken({ role: "gameserver", subject: `gs-${assignment.matchId}`, secret: new TextEncoder().encode(SECRET) });
    const gameServer = createClient(
      MatchTicketService,
      createGrpcTransport({ baseUrl: matchmaker.grpcUrl, interceptors: withHeaders({ authorization: `Bearer ${token}` }) }),
    );
    await expect(gameServer.redeemMatchTicket({ matchTicket: assignment.matchTicket })).resolves.toMatchObject({
      userId: "p1",
      matchId: assignment.matchId,
    });
    // The same credential is no player.
    const asPlayer = createClient(MatchmakingService, createGrpcTransport({ baseUrl: matchmaker.grpcUrl, interceptors: withHeaders({ authorization: `Bearer ${token}` }) }));
    await expect(asPlayer.getTicket({ ticketId: ticket!.ticketId })).rejects.toMatchObject({ code: Code.PermissionDenied });
    matchmaker.child.kill("SIGTERM");
    expect(await matchmaker.exited).toEqual([0, null]);
  });

  it("drains on SIGTERM: unready, new calls refused, watchers told to reconnect, placement finished, exit 0", async () => {
    const registry = await startGatedRegistry();
    const matchmaker = await startMatchmaker(registry.url, { MATCHMAKER_SHUTDOWN_GRACE_SECONDS: "15" });
    const client = await serviceClient(matchmaker.grpcUrl);
    const health = createClient(Health, createGrpcTransport({ baseUrl: matchmaker.grpcUrl }));

    // Watchers on a ticket that waits and on two that are about to match.
    const watchers = [];
    const { ticket: waiting } = await client.enqueue({ queue: "squads-5v5", players: [{ userId: "w", skill: 1 }], latencyMs: { "eu-west": 20 } });
    const tickets = [waiting!];
    for (const userId of ["a", "b"]) {
      const { ticket } = await client.enqueue({ queue: "duel", players: [{ userId, skill: 1000 }], latencyMs: { "eu-west": 20 } });
      tickets.push(ticket!);
    }
    for (const ticket of tickets) {
      const watcher = client.watchTicket({ ticketId: ticket.ticketId })[Symbol.asyncIterator]();
      // The first message is the current state: queued, or allocating if the 500 ms duel pass already ran.
      expect([TicketState.QUEUED, TicketState.ALLOCATING]).toContain((await watcher.next()).value?.ticket?.state);
      watchers.push(watcher);
    }
    const healthWatch = health.watch({ service: "" })[Symbol.asyncIterator]();
    expect((await healthWatch.next()).value?.status).toBe(ServingStatus.SERVING);
    // The scheduled pass matched a and b; their server allocation is now in flight.
    await registry.started;

    const signalledAt = performance.now();
    matchmaker.child.kill("SIGTERM");
    expect((await healthWatch.next()).value?.status).toBe(ServingStatus.NOT_SERVING);
    await expect(healthWatch.next()).rejects.toMatchObject({ code: Code.Unavailable });
    for (const watcher of watchers) {
      let end: unknown;
      try {
        for (let next = await watcher.next(); next.done !== true; next = await watcher.next()) continue;
      } catch (error) {
        end = error;
      }
      expect(ConnectError.from(end)).toMatchObject({ code: Code.Unavailable, rawMessage: "server shutting down; reconnect to another instance" });
    }
    const ready = await fetch(`${matchmaker.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, draining: true, storeReachable: true });
    await expect(client.enqueue({ queue: "duel", players: [{ userId: "late", skill: 1 }], latencyMs: { "eu-west": 20 } })).rejects.toMatchObject({
      code: Code.Unavailable,
      rawMessage: "server shutting down; reconnect to another instance",
    });
    expect(matchmaker.child.exitCode).toBeNull();

    // The allocation answers: the match is assigned before the process exits.
    registry.answer();
    expect(await matchmaker.exited).toEqual([0, null]);
    expect(performance.now() - signalledAt).toBeLessThan(15_000);
    const formed = await matchmaker.logs.waitFor("match formed");
    expect((formed["tickets"] as string[]).sort()).toEqual([tickets[1]!.ticketId, tickets[2]!.ticketId].sort());
    const messages = matchmaker.logs.entries.map((entry) => entry.msg);
    // Logged by the process before it exited 0: the placement finished within the drain.
    expect(messages.indexOf("match formed")).toBeGreaterThan(messages.indexOf("draining"));
    expect(messages.at(-1), JSON.stringify(matchmaker.logs.entries.slice(-6))).toBe("stopped");
  });

  it("exits with code 1 when the drain outlasts the grace period", async () => {
    const registry = await startGatedRegistry();
    const matchmaker = await startMatchmaker(registry.url, { MATCHMAKER_SHUTDOWN_GRACE_SECONDS: "1" });
    const client = await serviceClient(matchmaker.grpcUrl);
    for (const userId of ["a", "b"]) {
      await client.enqueue({ queue: "duel", players: [{ userId, skill: 1000 }], latencyMs: { "eu-west": 20 } });
    }
    await registry.started;
    matchmaker.child.kill("SIGTERM");
    expect(await matchmaker.exited).toEqual([1, null]);
    expect(matchmaker.logs.entries.at(-1)).toMatchObject({ level: 50, msg: "shutdown grace period over; exiting with work unfinished", graceMs: 1000 });
  });

  it("refuses to start in production without a game-server fleet, naming the key to add", async () => {
    const dir = mkdtempSync(join(tmpdir(), "matchmaker-no-fleet-"));
    cleanup(() => rmSync(dir, { recursive: true, force: true }));
    const queuesFile = join(dir, "queues.json");
    const { queues } = JSON.parse(readFileSync("config/queues.json", "utf8")) as { queues: unknown };
    writeFileSync(queuesFile, JSON.stringify({ queues }));
    const child = spawn(process.execPath, ["src/main.ts"], {
      env: { ...process.env, HOME: dir, MATCHMAKER_QUEUES_FILE: queuesFile, MATCHMAKER_AUTH_HS256_SECRET: SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await once(child, "exit")).toEqual([1, null]);
    expect(stderr).toBe(`matchmaker failed to start: ${queuesFile}.fleets: no game-server fleet is configured (development mode starts a local one)\n`);
  });

  it("refuses to start on an invalid setting, naming it", async () => {
    const child = spawn(process.execPath, ["src/main.ts", "--dev"], {
      env: { ...process.env, MATCHMAKER_SHUTDOWN_GRACE_SECONDS: "soon" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await once(child, "exit")).toEqual([1, null]);
    expect(stderr).toBe('matchmaker failed to start: MATCHMAKER_SHUTDOWN_GRACE_SECONDS: must be a whole number, got "soon"\n');
  });

  it("names the settings to change when its port is taken", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    cleanup(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const child = spawn(process.execPath, ["src/main.ts", "--dev"], {
      env: { ...process.env, MATCHMAKER_HOST: "127.0.0.1", MATCHMAKER_GRPC_PORT: String(port), MATCHMAKER_HTTP_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await once(child, "exit")).toEqual([1, null]);
    expect(stderr).toBe(
      `matchmaker failed to start: listen EADDRINUSE: address already in use 127.0.0.1:${port} (another process holds the port: choose others with MATCHMAKER_GRPC_PORT, MATCHMAKER_HTTP_PORT or MATCHMAKER_ADMIN_PORT)\n`,
    );
  });
});
