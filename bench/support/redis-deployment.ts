import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintToken, type TokenRole } from "../../src/clients/auth/mint-token.ts";
import { registerDevelopmentServers } from "../../src/registry/development-servers.ts";
import { startRegistryServer } from "../../src/registry/registry-server.ts";
import { spawnMatchmaker } from "../../test/support/matchmaker-process.ts";
import { startRedisServer } from "../../test/support/redis-server.ts";
import { BENCH_AUTH } from "./bench-matchmaker.ts";
import { processCpuSeconds } from "./process-cpu.ts";

/** Matchmaker instances under load: where to send calls, how to authenticate, how to stop them. */
export interface Deployed {
  readonly ports: readonly number[];
  token(role: TokenRole, subject: string): Promise<string>;
  close(): Promise<void>;
  /** Whether the instance runs in the benchmark's own process (its event loop can be measured). */
  readonly inProcess: boolean;
  /** For instances in their own processes: the CPU seconds each instance and Redis have used so far. */
  cpuSeconds?(): { readonly instances: readonly number[]; readonly redis: number };
}

/**
 * `count` matchmaker processes (`node src/main.ts`, production mode) over one throwaway
 * redis-server, allocating from a reference registry in this process, as a studio would run them.
 */
export async function startRedisDeployment(count: number): Promise<Deployed> {
  const redis = await startRedisServer();
  const registry = await startRegistryServer({ host: "127.0.0.1", port: 0 });
  registerDevelopmentServers(registry, [{ id: "bench-eu", region: "eu-west", address: "127.0.0.1:7777", capacity: 10_000_000 }]);
  const dir = mkdtempSync(join(tmpdir(), "bench-redis-"));
  const keyFile = join(dir, "match-ticket-key.pem");
  writeFileSync(keyFile, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));
  const queuesFile = join(dir, "queues.json");
  const { queues } = JSON.parse(readFileSync("config/queues.json", "utf8")) as { queues: unknown[] };
  writeFileSync(queuesFile, JSON.stringify({ queues, fleets: { reference: { type: "registry", url: `http://127.0.0.1:${registry.port}` } } }));
  const instances = await Promise.all(
    Array.from({ length: count }, () =>
      spawnMatchmaker({
        MATCHMAKER_REDIS_URL: redis.url,
        MATCHMAKER_QUEUES_FILE: queuesFile,
        MATCHMAKER_AUTH_HS256_SECRET: BENCH_AUTH.secret,
        MATCHMAKER_AUTH_ISSUER: BENCH_AUTH.issuer,
        MATCHMAKER_MATCH_TICKET_KEY_FILE: keyFile,
        MATCHMAKER_LOG_LEVEL: "info",
      }),
    ),
  );
  return {
    ports: instances.map((instance) => instance.grpcPort),
    token: (role, subject) =>
      mintToken({ role, subject, secret: new TextEncoder().encode(BENCH_AUTH.secret), issuer: BENCH_AUTH.issuer, ttlSeconds: 3600 }),
    inProcess: false,
    cpuSeconds: () => ({ instances: instances.map((instance) => processCpuSeconds(instance.child.pid)), redis: processCpuSeconds(redis.pid) }),
    async close() {
      for (const instance of instances) instance.kill("SIGTERM");
      await Promise.all(instances.map((instance) => instance.exited));
      await registry.close();
      await redis.stop();
    },
  };
}
