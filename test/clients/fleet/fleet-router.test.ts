import { describe, expect, it } from "vitest";
import type { AllocationRequest } from "../../../src/application/ports/game-server-allocator.ts";
import { type FleetAllocator, FleetRouter } from "../../../src/clients/fleet/fleet-router.ts";
import { RegistryAllocator } from "../../../src/clients/registry/registry-allocator.ts";
import { registerDevelopmentServers } from "../../../src/registry/development-servers.ts";
import { type RunningRegistry, startRegistryServer } from "../../../src/registry/registry-server.ts";
import { cleanupAfterEach } from "../../support/lifecycle.ts";
import { allocationErrorOf } from "../../support/rejection.ts";

const onCleanup = cleanupAfterEach();

/** A reference registry with one server per region, and a registry client named `fleet`. */
async function startFleet(fleet: string, regions: string[]): Promise<{ registry: RunningRegistry; allocator: RegistryAllocator }> {
  const registry = await startRegistryServer({ port: 0 });
  onCleanup(() => registry.close());
  registerDevelopmentServers(
    registry,
    regions.map((region, index) => ({ id: `${fleet}-${region}`, region, address: `198.51.100.${index + 1}:7777`, capacity: 10 })),
  );
  const allocator = new RegistryAllocator({ fleet, url: `http://127.0.0.1:${registry.port}` });
  onCleanup(() => allocator.close());
  return { registry, allocator };
}

function match(matchId: string, queue: string, region: string): AllocationRequest {
  return { matchId, queue, region, playerCount: 2, labels: {} };
}

describe("FleetRouter", () => {
  it("routes by queue and region, first matching route first, and falls back to the default fleet", async () => {
    const regions = ["eu-west", "us-east"];
    const local = await startFleet("local", regions);
    const eu = await startFleet("eu", regions);
    const tournament = await startFleet("tournament", regions);
    const router = new FleetRouter({
      fleets: new Map<string, FleetAllocator>([
        ["local", local.allocator],
        ["eu", eu.allocator],
        ["tournament", tournament.allocator],
      ]),
      routes: [
        { queue: "tournament", region: "eu-west", fleet: "tournament" },
        { region: "eu-west", fleet: "eu" },
        { queue: "tournament", fleet: "local" },
      ],
      defaultFleet: "local",
    });

    const allocated = await Promise.all([
      router.allocate(match("m1", "tournament", "eu-west")),
      router.allocate(match("m2", "casual", "eu-west")),
      router.allocate(match("m3", "tournament", "us-east")),
      router.allocate(match("m4", "casual", "us-east")),
    ]);

    expect(allocated.map(({ fleet, serverId }) => [fleet, serverId])).toEqual([
      ["tournament", "tournament-eu-west"],
      ["eu", "eu-eu-west"],
      ["local", "local-us-east"],
      ["local", "local-us-east"],
    ]);
  });

  it("sends a release back to the fleet that allocated the server", async () => {
    const local = await startFleet("local", ["eu-west"]);
    const eu = await startFleet("eu", ["eu-west"]);
    const router = new FleetRouter({
      fleets: new Map<string, FleetAllocator>([
        ["local", local.allocator],
        ["eu", eu.allocator],
      ]),
      routes: [{ region: "eu-west", fleet: "eu" }],
      defaultFleet: "local",
    });
    const server = await router.allocate(match("m1", "casual", "eu-west"));
    expect(eu.registry.pool.snapshot()[0]?.used).toBe(1);

    await router.release(server);

    expect(eu.registry.pool.snapshot()[0]?.used).toBe(0);
    const unknown = await allocationErrorOf(router.release({ ...server, fleet: "gone" }));
    expect(unknown).toMatchObject({
      retryable: false,
      message: 'cannot release server "eu-eu-west": fleet "gone" is not configured',
    });
  });

  it("refuses routes and defaults that name no configured fleet, naming the key", async () => {
    const local = await startFleet("local", ["eu-west"]);
    const fleets = new Map<string, FleetAllocator>([["local", local.allocator]]);
    expect(
      () => new FleetRouter({ fleets, routes: [{ queue: "q", fleet: "eu" }], defaultFleet: "local", configKey: "matchmaking" }),
    ).toThrow('matchmaking.routes[0].fleet: unknown fleet "eu" (known: local)');
    expect(() => new FleetRouter({ fleets, routes: [], defaultFleet: "eu" })).toThrow(
      'defaultFleet: unknown fleet "eu" (known: local)',
    );
  });
});
