import { describe, expect, it } from "vitest";
import { createFleetRouter } from "../../../src/clients/fleet/create-fleet-router.ts";
import { parseFleetRoutingConfig } from "../../../src/clients/fleet/fleet-config.ts";
import { registerDevelopmentServers } from "../../../src/registry/development-servers.ts";
import { startRegistryServer } from "../../../src/registry/registry-server.ts";
import { startFakeAgonesAllocator } from "../agones/fake-agones-allocator.ts";
import { cleanupAfterEach, testPkiForFile } from "../../support/lifecycle.ts";
import { configErrorOf } from "../../support/rejection.ts";

const testPki = testPkiForFile();

const onCleanup = cleanupAfterEach();

describe("parseFleetRoutingConfig", () => {
  it("reads registry and Agones fleets, routes and the default fleet, leaving other keys to the caller", () => {
    const routing = {
      fleets: {
        local: { type: "registry", url: "http://127.0.0.1:50061", retry: { maxAttempts: 3, backoffMultiplier: 1.5 } },
        "agones-eu": {
          type: "agones",
          url: "https://allocator.eu.example.com:443",
          tls: { caFile: "ca.pem", certFile: "client.pem", keyFile: "client-key.pem" },
          namespace: "games",
          regionLabelKey: "topology.kubernetes.io/region",
          matchLabels: { "agones.dev/fleet": "arena" },
          scheduling: "Distributed",
          portName: "game",
          pingIntervalMs: 120_000,
        },
      },
      routes: [{ region: "eu-west", fleet: "agones-eu" }, { queue: "tournament", fleet: "local" }],
      defaultFleet: "local",
    };

    expect(parseFleetRoutingConfig({ queues: { ranked: {} }, ...routing })).toEqual(routing);
  });

  it("defaults to the only fleet and to no routes", () => {
    expect(parseFleetRoutingConfig({ fleets: { local: { type: "registry", url: "http://127.0.0.1:50061" } } })).toEqual({
      fleets: { local: { type: "registry", url: "http://127.0.0.1:50061" } },
      routes: [],
      defaultFleet: "local",
    });
  });

  it.each([
    [{}, "config.fleets: must be an object"],
    [{ fleets: {} }, "config.fleets: must configure at least one fleet"],
    [{ fleets: { eu: { type: "k8s", url: "x" } } }, "config.fleets.eu.type: must be one of registry, agones"],
    [{ fleets: { eu: { type: "registry" } } }, "config.fleets.eu.url: must be a non-empty string"],
    [{ fleets: { eu: { url: "http://r" } } }, "config.fleets.eu.type: is required: one of registry, agones"],
    [
      { fleets: { eu: { type: "registry", url: "http://r", namespace: "games" } } },
      "config.fleets.eu.namespace: unknown setting (known: type, url, tls, pingIntervalMs, retry)",
    ],
    [
      { fleets: { eu: { type: "agones", url: "https://a", scheduling: "packed" } } },
      "config.fleets.eu.scheduling: must be one of Packed, Distributed",
    ],
    [
      { fleets: { eu: { type: "agones", url: "https://a", tls: { certfile: "c.pem" } } } },
      "config.fleets.eu.tls.certfile: unknown setting (known: caFile, certFile, keyFile)",
    ],
    [
      { fleets: { eu: { type: "agones", url: "https://a", matchLabels: { fleet: 3 } } } },
      "config.fleets.eu.matchLabels.fleet: must be a string",
    ],
    [
      { fleets: { eu: { type: "registry", url: "http://r", retry: { maxAttempts: 0 } } } },
      "config.fleets.eu.retry.maxAttempts: must be at least 1 (got 0)",
    ],
    [
      { fleets: { a: { type: "registry", url: "http://a" }, b: { type: "registry", url: "http://b" } } },
      "config.defaultFleet: is required when several fleets are configured",
    ],
    [
      { fleets: { a: { type: "registry", url: "http://a" } }, routes: [{ fleet: "a" }] },
      "config.routes[0]: needs a queue, a region or both (defaultFleet covers every other match)",
    ],
    [{ fleets: { a: { type: "registry", url: "http://a" } }, routes: { fleet: "a" } }, "config.routes: must be an array"],
  ])("rejects %j naming the key", (input, message) => {
    expect(configErrorOf(() => parseFleetRoutingConfig(input, "config")).message).toBe(message);
  });
});

describe("createFleetRouter", () => {
  it("builds a registry fleet and an Agones fleet and allocates through both", async () => {
    const registry = await startRegistryServer({ port: 0 });
    onCleanup(() => registry.close());
    registerDevelopmentServers(registry, [{ id: "dev-1", region: "local", address: "127.0.0.1:7777" }]);
    const agones = await startFakeAgonesAllocator(testPki());
    onCleanup(() => agones.close());
    agones.answer({ response: { gameServerName: "arena-1", address: "198.51.100.9", ports: [{ name: "default", port: 7001 }] } });

    const config = parseFleetRoutingConfig({
      fleets: {
        local: { type: "registry", url: `http://127.0.0.1:${registry.port}` },
        "agones-eu": {
          type: "agones",
          url: agones.url,
          tls: { caFile: testPki().caFile, certFile: testPki().client.certFile, keyFile: testPki().client.keyFile },
        },
      },
      routes: [{ region: "eu-west", fleet: "agones-eu" }],
      defaultFleet: "local",
    });
    const router = createFleetRouter(config);
    onCleanup(() => router.close());

    const request = { queue: "casual", playerCount: 2, labels: {} };
    await expect(router.allocate({ ...request, matchId: "m1", region: "eu-west" })).resolves.toMatchObject({
      fleet: "agones-eu",
      address: "198.51.100.9:7001",
    });
    await expect(router.allocate({ ...request, matchId: "m2", region: "local" })).resolves.toMatchObject({
      fleet: "local",
      address: "127.0.0.1:7777",
    });
  });

  it("names the key of an unreadable certificate file and of a route to an unknown fleet", () => {
    const unreadable = parseFleetRoutingConfig({
      fleets: { "agones-eu": { type: "agones", url: "https://a:443", tls: { caFile: "/nonexistent/ca.pem" } } },
    });
    expect(configErrorOf(() => createFleetRouter(unreadable, { configKey: "config" })).message).toMatch(
      /^config\.fleets\.agones-eu\.tls\.caFile: cannot read "\/nonexistent\/ca\.pem": ENOENT/,
    );
    const unknownFleet = parseFleetRoutingConfig({
      fleets: { local: { type: "registry", url: "http://127.0.0.1:1" } },
      routes: [{ queue: "q", fleet: "eu" }],
    });
    expect(configErrorOf(() => createFleetRouter(unknownFleet, { configKey: "config" })).message).toBe(
      'config.routes[0].fleet: unknown fleet "eu" (known: local)',
    );
  });
});
