import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { AllocationRequest } from "../../../src/application/ports/game-server-allocator.ts";
import { ConfigError } from "../../../src/config/config-error.ts";
import { RegistryAllocator, type RegistryAllocatorOptions } from "../../../src/clients/registry/registry-allocator.ts";
import { registerDevelopmentServers } from "../../../src/registry/development-servers.ts";
import { type RunningRegistry, type RegistryServerOptions, startRegistryServer } from "../../../src/registry/registry-server.ts";
import { cleanupAfterEach, testPkiForFile } from "../../support/lifecycle.ts";
import { allocationErrorOf } from "../../support/rejection.ts";
import { recordingRetryEnvironment } from "../../support/recording-retry-environment.ts";

const request: AllocationRequest = {
  matchId: "match-1",
  queue: "ranked-2v2",
  region: "eu-west",
  playerCount: 4,
  labels: {},
};

const onCleanup = cleanupAfterEach();

const testPki = testPkiForFile();

async function startRegistry(options: RegistryServerOptions = {}): Promise<RunningRegistry> {
  const registry = await startRegistryServer({ port: 0, ...options });
  onCleanup(() => registry.close());
  return registry;
}

function allocatorFor(url: string, options: Partial<RegistryAllocatorOptions> = {}): RegistryAllocator {
  const allocator = new RegistryAllocator({ fleet: "local", url, ...options });
  onCleanup(() => allocator.close());
  return allocator;
}

function addServer(registry: RunningRegistry, id = "gs-1"): void {
  registerDevelopmentServers(registry, [
    { id, region: "eu-west", address: "203.0.113.7:7777", capacity: 1, labels: { map: "harbor", node: "node-a" } },
  ]);
}

describe("RegistryAllocator", () => {
  it("returns the public address and keeps the server id and labels internal", async () => {
    const registry = await startRegistry();
    addServer(registry);
    const allocator = allocatorFor(`http://127.0.0.1:${registry.port}`);

    const server = await allocator.allocate(request);

    expect(server).toEqual({
      address: "203.0.113.7:7777",
      serverId: "gs-1",
      fleet: "local",
      details: { matchId: "match-1", "label.map": "harbor", "label.node": "node-a" },
    });
    for (const internal of ["gs-1", "harbor", "node-a"]) expect(server.address).not.toContain(internal);
  });

  it("releases the match's slot so the next match can have it", async () => {
    const registry = await startRegistry();
    addServer(registry);
    const allocator = allocatorFor(`http://127.0.0.1:${registry.port}`);
    const server = await allocator.allocate(request);

    await allocator.release(server);
    await allocator.release(server);

    expect(registry.pool.snapshot().map(({ used }) => used)).toEqual([0]);
    await expect(allocator.allocate({ ...request, matchId: "match-2" })).resolves.toMatchObject({ serverId: "gs-1" });
  });

  it("retries RESOURCE_EXHAUSTED with exponential backoff and full jitter until a server is free", async () => {
    const registry = await startRegistry();
    const { environment, waits } = recordingRetryEnvironment({
      random: 0.5,
      onWait: (waitNumber) => {
        if (waitNumber === 2) addServer(registry);
      },
    });
    const allocator = allocatorFor(`http://127.0.0.1:${registry.port}`, { retryEnvironment: environment });

    const server = await allocator.allocate(request);

    expect(server.serverId).toBe("gs-1");
    // Bounds 100 ms then 200 ms, times the random draw 0.5.
    expect(waits).toEqual([50, 100]);
  });

  it("gives up after the attempts run out with a retryable AllocationError", async () => {
    const registry = await startRegistry();
    const { environment, waits } = recordingRetryEnvironment({ random: 0.999 });
    const allocator = allocatorFor(`http://127.0.0.1:${registry.port}`, {
      retryEnvironment: environment,
      retry: { maxAttempts: 4, totalTimeoutMs: 60_000, maxBackoffMs: 300 },
    });

    const error = await allocationErrorOf(allocator.allocate(request));

    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      'fleet "local": allocation failed: [resource_exhausted] no ready game server with a free slot in region "eu-west" (after 4 attempts)',
    );
    expect(waits).toEqual([99, 199, 299]);
  });

  it("stops retrying when the next wait would pass the total time bound", async () => {
    const registry = await startRegistry();
    const { environment, waits } = recordingRetryEnvironment({ random: 0.999 });
    const allocator = allocatorFor(`http://127.0.0.1:${registry.port}`, {
      retryEnvironment: environment,
      retry: { maxAttempts: 10, totalTimeoutMs: 350 },
    });

    const error = await allocationErrorOf(allocator.allocate(request));

    expect(error.retryable).toBe(true);
    expect(waits).toEqual([99, 199]);
    expect(error.message).toContain("(after 3 attempts)");
  });

  it("does not retry INVALID_ARGUMENT", async () => {
    const registry = await startRegistry();
    const { environment, waits } = recordingRetryEnvironment();
    const allocator = allocatorFor(`http://127.0.0.1:${registry.port}`, { retryEnvironment: environment });

    const error = await allocationErrorOf(allocator.allocate({ ...request, playerCount: 0 }));

    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'fleet "local": allocation failed: [invalid_argument] player_count: must be between 1 and 10000 (after 1 attempt)',
    );
    expect(waits).toEqual([]);
  });

  it("stops when the caller aborts and reports a retryable cancellation", async () => {
    const registry = await startRegistry();
    const controller = new AbortController();
    const { environment, waits } = recordingRetryEnvironment({ onWait: () => controller.abort() });
    const allocator = allocatorFor(`http://127.0.0.1:${registry.port}`, { retryEnvironment: environment });

    const error = await allocationErrorOf(allocator.allocate(request, controller.signal));

    expect(error).toMatchObject({ message: 'fleet "local": allocation cancelled', retryable: true });
    expect(waits).toHaveLength(1);
  });

  it("retries UNAVAILABLE while the registry is unreachable", async () => {
    const registry = await startRegistry();
    const url = `http://127.0.0.1:${registry.port}`;
    await registry.close();
    const { environment, waits } = recordingRetryEnvironment();
    const allocator = allocatorFor(url, { retryEnvironment: environment, retry: { maxAttempts: 3 } });

    const error = await allocationErrorOf(allocator.allocate(request));

    expect(error.retryable).toBe(true);
    expect(error.message).toContain("[unavailable]");
    expect(waits).toHaveLength(2);
  });

  it("puts a deadline on every call and retries DEADLINE_EXCEEDED", async () => {
    const silent = http2.createServer(() => {
      // Never answers: only the client's deadline ends the call.
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    onCleanup(
      () =>
        new Promise<void>((resolve) => {
          silent.close(() => resolve());
        }),
    );
    const { environment, waits } = recordingRetryEnvironment();
    const allocator = allocatorFor(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, {
      retryEnvironment: environment,
      retry: { maxAttempts: 2, callTimeoutMs: 30 },
    });

    const error = await allocationErrorOf(allocator.allocate(request));

    expect(error.message).toContain("[deadline_exceeded]");
    expect(error.message).toContain("(after 2 attempts)");
    expect(error.retryable).toBe(true);
    expect(waits).toHaveLength(1);
  });

  it("allocates over mutual TLS with certificate files", async () => {
    const registry = await startRegistry({ tls: { cert: testPki().server.cert, key: testPki().server.key, clientCa: testPki().ca } });
    addServer(registry);
    const allocator = allocatorFor(`https://localhost:${registry.port}`, {
      tls: { caFile: testPki().caFile, certFile: testPki().client.certFile, keyFile: testPki().client.keyFile },
    });

    await expect(allocator.allocate(request)).resolves.toMatchObject({ address: "203.0.113.7:7777" });
  });

  it("is refused by a mutual-TLS registry with a client certificate from another CA", async () => {
    const registry = await startRegistry({ tls: { cert: testPki().server.cert, key: testPki().server.key, clientCa: testPki().ca } });
    addServer(registry);
    const { environment } = recordingRetryEnvironment();
    const allocator = allocatorFor(`https://localhost:${registry.port}`, {
      tls: { caFile: testPki().caFile, certFile: testPki().untrustedClient.certFile, keyFile: testPki().untrustedClient.keyFile },
      retryEnvironment: environment,
    });

    const error = await allocationErrorOf(allocator.allocate(request));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^fleet "local": allocation failed: .*closed before the fleet answered/);
  });

  it("reports configuration mistakes naming the key", () => {
    expect(() => new RegistryAllocator({ fleet: "local", url: "localhost:50061", configKey: "fleets.local" })).toThrow(
      new ConfigError("fleets.local.url", 'must be an http:// or https:// URL, got "localhost:50061"'),
    );
    expect(
      () =>
        new RegistryAllocator({
          fleet: "local",
          url: "https://localhost:50061",
          tls: { caFile: "/nonexistent/ca.pem" },
          configKey: "fleets.local",
        }),
    ).toThrow(/^fleets\.local\.tls\.caFile: cannot read "\/nonexistent\/ca\.pem": ENOENT/);
    expect(
      () => new RegistryAllocator({ fleet: "local", url: "https://localhost:50061", tls: { certFile: testPki().client.certFile } }),
    ).toThrow("tls.keyFile: is required: certFile and keyFile go together");
  });
});
