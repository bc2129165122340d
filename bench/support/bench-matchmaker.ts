import { setTimeout as delay } from "node:timers/promises";
import pino from "pino";
import { startMatchmaker, type RunningMatchmaker } from "../../src/app.ts";
import { systemClock } from "../../src/application/ports/clock.ts";
import type { AllocatedServer, AllocationRequest, GameServerAllocator } from "../../src/application/ports/game-server-allocator.ts";
import { loadAuthConfig } from "../../src/clients/auth/auth-config.ts";
import { mintToken, type TokenRole } from "../../src/clients/auth/mint-token.ts";
import { createTokenVerifier } from "../../src/clients/auth/token-verifier.ts";
import { JwtMatchTicketIssuer } from "../../src/clients/match-tickets/jwt-match-ticket-issuer.ts";
import { loadMatchTicketSigningKey } from "../../src/clients/match-tickets/match-ticket-signing-key.ts";
import { loadQueueConfigFile } from "../../src/config/queue-config-file.ts";
import { tokenAuthentication } from "../../src/token-authentication.ts";
import { createInMemoryStorage, type Storage } from "../../src/storage/storage.ts";

/** The identity provider the benchmark servers trust. */
/** The identity provider every benchmark server trusts. */
export const BENCH_AUTH = { secret: "benchmark-shared-secret-0123456789abcdef", issuer: "bench-idp" } as const;

/**
 * A fleet with servers always ready, answering at once or after a set delay: the benchmarks
 * measure the matchmaker, not a fleet. It notes when each match was formed (allocation is
 * requested right after the claim) so that delivery latency can be measured from that instant, and
 * how many allocations it had open at most.
 */
export class BenchFleet implements GameServerAllocator {
  /** `performance.timeOrigin + performance.now()` at allocation, by match id. */
  readonly formedAt = new Map<string, number>();
  /** How long each allocation takes to answer from now on (0: at once); a benchmark may change it mid-run. */
  delayMs: number;
  #servers = 0;
  #open = 0;
  #mostOpen = 0;

  constructor(delayMs = 0) {
    this.delayMs = delayMs;
  }

  /** The most allocations that were open at the same time. */
  get mostOpen(): number {
    return this.#mostOpen;
  }

  async allocate(request: AllocationRequest): Promise<AllocatedServer> {
    this.formedAt.set(request.matchId, wallClockMs());
    const n = ++this.#servers;
    this.#mostOpen = Math.max(this.#mostOpen, ++this.#open);
    if (this.delayMs > 0) await delay(this.delayMs);
    this.#open--;
    return { address: `10.0.${(n >> 8) & 255}.${n & 255}:7777`, serverId: `bench-${n}`, fleet: "bench", details: {} };
  }

  async release(): Promise<void> {}

  fleetFor(): string {
    return "bench";
  }
}

/** Sub-millisecond wall-clock time comparable across processes on one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface BenchMatchmakerOptions {
  /** In-memory unless given (the Redis variants pass theirs). */
  readonly storage?: Storage;
  /** Run the matching loop on its timers (end to end) or leave passes to the benchmark. */
  readonly scheduleMatching: boolean;
  /** How long the fleet takes to answer each allocation; 0 (at once) unless given. */
  readonly allocationDelayMs?: number;
  /** The matchmaker's limit on concurrent allocations per fleet; its default unless given. */
  readonly maxConcurrentAllocations?: number;
  /** The matchmaker's allocation timeout; its default unless given. */
  readonly allocationTimeoutMs?: number;
}

export interface BenchMatchmaker {
  readonly app: RunningMatchmaker;
  readonly fleet: BenchFleet;
  /** A token the server accepts. */
  token(role: TokenRole, subject: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real matchmaker, started through `startMatchmaker` as `main.ts` does: real token
 * verification, signed match tickets, the queues of config/queues.json, the system clock.
 */
export async function startBenchMatchmaker(options: BenchMatchmakerOptions): Promise<BenchMatchmaker> {
  const storage = options.storage ?? createInMemoryStorage({ clock: systemClock, retentionMs: 600_000 });
  const auth = tokenAuthentication(
    createTokenVerifier(
      loadAuthConfig({ MATCHMAKER_AUTH_HS256_SECRET: BENCH_AUTH.secret, MATCHMAKER_AUTH_ISSUER: BENCH_AUTH.issuer }, { development: false }),
    ),
  );
  const { key } = await loadMatchTicketSigningKey({ keyFile: undefined });
  const fleet = new BenchFleet(options.allocationDelayMs);
  const app = await startMatchmaker({
    queues: loadQueueConfigFile("config/queues.json"),
    storage,
    allocator: fleet,
    issuer: new JwtMatchTicketIssuer({ key, issuer: "matchmaker", ttlSeconds: 30, clock: systemClock }),
    authenticate: auth.caller,
    logger: pino({ level: "silent" }),
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: 0,
    scheduleMatching: options.scheduleMatching,
    maxConcurrentAllocations: options.maxConcurrentAllocations,
    allocationTimeoutMs: options.allocationTimeoutMs,
  });
  return {
    app,
    fleet,
    token: (role, subject) =>
      mintToken({ role, subject, secret: new TextEncoder().encode(BENCH_AUTH.secret), issuer: BENCH_AUTH.issuer, ttlSeconds: 3600 }),
    async close() {
      await app.close();
      await storage.close();
    },
  };
}
