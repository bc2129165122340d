import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createClient as createRedisClient } from "redis";
import { mintToken } from "../../src/clients/auth/mint-token.ts";
import { MatchmakingService, TicketState, type Ticket } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { registerDevelopmentServers } from "../../src/registry/development-servers.ts";
import { startRegistryServer, type RunningRegistry } from "../../src/registry/registry-server.ts";
import { spawnMatchmaker, type MatchmakerProcess } from "../support/matchmaker-process.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";

/**
 * Several matchmaker processes over one Redis, as a studio runs them behind a load balancer:
 * every player ends in exactly one match, none is lost, and every watcher, whichever instance it is
 * connected to, sees the assignment.
 */

const SECRET = "scale-out-shared-secret-0123456789abcdef";
type MatchmakingClient = Client<typeof MatchmakingService>;

let redis: RedisServer;
let registry: RunningRegistry;
let env: Record<string, string>;
let serviceToken: string;
const instances: MatchmakerProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  registry = await startRegistryServer({ host: "127.0.0.1", port: 0 });
  registerDevelopmentServers(registry, [{ id: "gs-eu", region: "eu-west", address: "127.0.0.1:7777", capacity: 100_000 }]);
  const dir = mkdtempSync(join(tmpdir(), "scale-out-"));
  const keyFile = join(dir, "match-ticket-key.pem");
  writeFileSync(keyFile, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));
  const configFile = join(dir, "queues.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      queues: [
        {
          name: "duel",
          teamCount: 2,
          teamSize: 1,
          regions: [{ name: "eu-west" }],
          skillWindow: { initial: 10_000, perSecond: 0, max: 10_000 },
          tickIntervalMs: 100,
          ticketTtlSeconds: 600,
        },
      ],
      fleets: { reference: { type: "registry", url: `http://127.0.0.1:${registry.port}` } },
    }),
  );
  env = {
    MATCHMAKER_REDIS_URL: redis.url,
    MATCHMAKER_QUEUES_FILE: configFile,
    MATCHMAKER_AUTH_HS256_SECRET: SECRET,
    MATCHMAKER_MATCH_TICKET_KEY_FILE: keyFile,
    MATCHMAKER_LEASE_TTL_SECONDS: "1",
    // Three processes, Redis and the test share two cores with the rest of the suite: allow slow answers.
    MATCHMAKER_REDIS_COMMAND_TIMEOUT_MS: "5000",
    MATCHMAKER_ALLOCATION_TIMEOUT_SECONDS: "1",
    MATCHMAKER_LOG_LEVEL: "info",
  };
  serviceToken = await mintToken({ role: "service", subject: "scale-test", secret: new TextEncoder().encode(SECRET) });
}, 60_000);

afterEach(async () => {
  for (const instance of instances.splice(0)) {
    instance.kill("SIGKILL");
    await instance.exited;
  }
});

afterAll(async () => {
  await registry?.close();
  await redis?.stop();
});

async function startInstances(count: number): Promise<MatchmakingClient[]> {
  const started = await Promise.all(Array.from({ length: count }, () => spawnMatchmaker(env)));
  instances.push(...started);
  return started.map((instance) => clientFor(instance));
}

function clientFor(instance: MatchmakerProcess): MatchmakingClient {
  return createClient(
    MatchmakingService,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${instance.grpcPort}`,
      interceptors: [
        (next) => async (request) => {
          request.header.set("authorization", `Bearer ${serviceToken}`);
          return next(request);
        },
      ],
    }),
  );
}

const enqueue = (client: MatchmakingClient, userId: string, skill = 1000) =>
  client.enqueue({ queue: "duel", players: [{ userId, skill }], latencyMs: { "eu-west": 20 }, requestId: userId });

/** Follows a ticket's stream to its end and returns the last state seen. */
async function watchToEnd(client: MatchmakingClient, ticketId: string): Promise<Ticket> {
  let last: Ticket | undefined;
  for await (const message of client.watchTicket({ ticketId }, { timeoutMs: 60_000 })) last = message.ticket;
  return last!;
}

/** Every user appears in exactly one match, and the tickets of a match agree on its teams. */
function assertMatchedExactlyOnce(finals: readonly Ticket[], userIds: readonly string[]): void {
  const matchOf = new Map<string, string>();
  const teamsOf = new Map<string, string>();
  for (const ticket of finals) {
    expect(ticket.state).toBe(TicketState.MATCHED);
    const { matchId, teams } = ticket.assignment!;
    const layout = JSON.stringify(teams.map((team) => team.userIds));
    expect(teamsOf.get(matchId) ?? layout).toBe(layout);
    teamsOf.set(matchId, layout);
    for (const userId of ticket.userIds) {
      expect(matchOf.has(userId), `${userId} matched twice`).toBe(false);
      matchOf.set(userId, matchId);
    }
  }
  for (const userId of userIds) expect(matchOf.has(userId), `${userId} lost`).toBe(true);
  const membersPerMatch = new Map<string, number>();
  for (const matchId of matchOf.values()) membersPerMatch.set(matchId, (membersPerMatch.get(matchId) ?? 0) + 1);
  for (const [matchId, count] of membersPerMatch) {
    expect(count, matchId).toBe(2);
    expect(JSON.parse(teamsOf.get(matchId)!).flat()).toHaveLength(2);
  }
}

describe("three instances over one Redis", () => {
  it("matches 1,000 players enqueued concurrently through all three exactly once, every watcher on another instance", async () => {
    const clients = await startInstances(3);
    const userIds = Array.from({ length: 1_000 }, (_, i) => `p${i}`);
    const tickets = await Promise.all(userIds.map((userId, i) => enqueue(clients[i % 3]!, userId)));
    const finals = await Promise.all(tickets.map(({ ticket }, i) => watchToEnd(clients[(i + 1) % 3]!, ticket!.ticketId)));
    assertMatchedExactlyOnce(finals, userIds);
  }, 90_000);

  it("keeps matching exactly once when the lease holder is killed mid-load", async () => {
    const clients = await startInstances(3);
    const probe = createRedisClient({ url: redis.url });
    await probe.connect();
    const userIds = Array.from({ length: 600 }, (_, i) => `k${i}`);
    const firstHalf = await Promise.all(userIds.slice(0, 300).map((userId, i) => enqueue(clients[i % 3]!, userId)));
    const holderId = await probe.get("mm:{duel}:lease");
    await probe.quit();
    const holder = instances.findIndex((instance) => instance.instanceId === holderId);
    expect(holder).toBeGreaterThanOrEqual(0);
    instances[holder]!.kill("SIGKILL");
    await instances[holder]!.exited;
    const survivors = clients.filter((_, index) => index !== holder);
    const secondHalf = await Promise.all(userIds.slice(300).map((userId, i) => enqueue(survivors[i % 2]!, userId)));
    const all = [...firstHalf, ...secondHalf];
    const finals = await Promise.all(all.map(({ ticket }, i) => watchToEnd(survivors[i % 2]!, ticket!.ticketId)));
    assertMatchedExactlyOnce(finals, userIds);
  }, 90_000);

  it("never both cancels and matches a ticket when cancel races matching", async () => {
    const clients = await startInstances(3);
    const userIds = Array.from({ length: 400 }, (_, i) => `c${i}`);
    const tickets = await Promise.all(userIds.map((userId, i) => enqueue(clients[i % 3]!, userId)));
    const cancelled = new Set<string>();
    await Promise.all(
      tickets.map(async ({ ticket }, i) => {
        if (i % 2 === 1) return;
        try {
          await clients[(i + 2) % 3]!.cancelTicket({ ticketId: ticket!.ticketId });
          cancelled.add(ticket!.userIds[0]!);
        } catch (error) {
          // Lost the race: the ticket was already claimed for a match.
          expect(ConnectError.from(error).code).toBe(Code.FailedPrecondition);
        }
      }),
    );
    // An odd number left over would leave one waiting forever: a filler evens it out.
    if ((userIds.length - cancelled.size) % 2 === 1) tickets.push(await enqueue(clients[0]!, "filler"));
    const finals = await Promise.all(tickets.map(({ ticket }, i) => watchToEnd(clients[i % 3]!, ticket!.ticketId)));
    for (const ticket of finals) {
      const userId = ticket.userIds[0]!;
      expect(ticket.state).toBe(cancelled.has(userId) ? TicketState.CANCELLED : TicketState.MATCHED);
      if (ticket.state === TicketState.MATCHED) {
        for (const member of ticket.assignment!.teams.flatMap((team) => team.userIds)) expect(cancelled.has(member)).toBe(false);
      }
    }
  }, 90_000);

  it("fails fast while Redis restarts mid-load, never crashes, and recovers", async () => {
    const clients = await startInstances(2);
    // A steady stream of enqueues through both instances while Redis goes away and comes back.
    const outcomes: { readonly instance: number; readonly outcome: "ok" | "unavailable" }[] = [];
    let waiting: { readonly done: () => boolean; readonly resolve: () => void } | undefined;
    const until = (done: () => boolean) =>
      new Promise<void>((resolve) => {
        if (done()) resolve();
        else waiting = { done, resolve };
      });
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const instance = i % 2;
        const outcome = await enqueue(clients[instance]!, `load-${i}`).then(
          () => "ok" as const,
          (error: unknown) => {
            expect(ConnectError.from(error).code).toBe(Code.Unavailable);
            return "unavailable" as const;
          },
        );
        outcomes.push({ instance, outcome });
        if (waiting?.done() === true) waiting.resolve();
      }
    })();
    const count = (outcome: string, from = 0, instance?: number) =>
      outcomes.slice(from).filter((seen) => seen.outcome === outcome && (instance === undefined || seen.instance === instance)).length;
    await until(() => count("ok") >= 20);
    // A player no one else can match, watching through the other instance: the restarted Redis will
    // have lost their ticket, and the stream must say so rather than wait for a change that never comes.
    const lonely = await enqueue(clients[0]!, "lonely", 900_000);
    const lonelyStream = clients[1]!.watchTicket({ ticketId: lonely.ticket!.ticketId }, { timeoutMs: 60_000 })[Symbol.asyncIterator]();
    expect((await lonelyStream.next()).value?.ticket?.state).toBe(TicketState.QUEUED);
    const lonelyEnd = (async () => {
      while (!(await lonelyStream.next()).done);
    })().then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    await redis.stop();
    const down = outcomes.length;
    const stoppedAt = Date.now();
    await until(() => count("unavailable", down) >= 5);
    // Calls fail fast instead of hanging while Redis is away.
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await redis.restart();
    // Persistence is off, so the restarted Redis is empty; the instances reconnect by themselves,
    // each on its own backoff: wait until both serve again.
    const up = outcomes.length;
    await until(() => count("ok", up, 0) >= 3 && count("ok", up, 1) >= 3);
    loading = false;
    await load;
    for (const instance of instances) expect(instance.child.exitCode).toBeNull();
    const ended = await lonelyEnd;
    expect(ended?.code).toBe(Code.NotFound);
    expect(ended?.rawMessage).toMatch(/no longer exists: the matchmaker's store lost it; enqueue again/);
    // New players are matched as before. Their skill is out of the load's reach: a load ticket left
    // waiting could otherwise take one of them and leave the other alone.
    const fresh = await Promise.all([enqueue(clients[0]!, "after-1", 50_000), enqueue(clients[1]!, "after-2", 50_000)]);
    const finals = await Promise.all(fresh.map(({ ticket }, i) => watchToEnd(clients[(i + 1) % 2]!, ticket!.ticketId)));
    assertMatchedExactlyOnce(finals, ["after-1", "after-2"]);
  }, 90_000);
});
