import type { Logger } from "pino";
import type { QueueConfig } from "./domain/queue-config.ts";
import { registerDevelopmentServers } from "./registry/development-servers.ts";
import { startRegistryServer, type RunningRegistry } from "./registry/registry-server.ts";

/** First port handed to development game servers; each region gets the next one. */
const FIRST_GAME_PORT = 7777;
/** Concurrent matches per development server: plenty for manual testing and load tests. */
const DEVELOPMENT_CAPACITY = 100_000;

/**
 * Starts the reference registry in this process, on loopback, with one never-expiring game server
 * per region of the configured queues, so `npm start` forms matches without any real game server.
 */
export async function startDevelopmentFleet(queues: readonly QueueConfig[], logger: Logger): Promise<RunningRegistry> {
  const registry = await startRegistryServer({ host: "127.0.0.1", port: 0, logger: logger.child({ component: "dev-registry" }) });
  const regions = [...new Set(queues.flatMap((queue) => queue.regions.map((region) => region.name)))];
  registerDevelopmentServers(
    registry,
    regions.map((region, index) => ({
      id: `dev-${region}`,
      region,
      address: `127.0.0.1:${FIRST_GAME_PORT + index}`,
      capacity: DEVELOPMENT_CAPACITY,
    })),
  );
  return registry;
}
