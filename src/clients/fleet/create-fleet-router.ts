import { pino, type Logger } from "pino";
import { AgonesAllocator } from "../agones/agones-allocator.ts";
import { RegistryAllocator } from "../registry/registry-allocator.ts";
import { keyPath } from "../../config/config-reader.ts";
import type { FleetConfig, FleetRoutingConfig } from "./fleet-config.ts";
import { type FleetAllocator, FleetRouter } from "./fleet-router.ts";

function createFleetAllocator(name: string, config: FleetConfig, configKey: string, logger: Logger): FleetAllocator {
  const { type, ...options } = config;
  const common = { ...options, fleet: name, configKey, logger };
  return type === "agones" ? new AgonesAllocator(common) : new RegistryAllocator(common);
}

/**
 * Builds every configured fleet's allocator and the router in front of them: what the matchmaker's
 * `main` hands to the matching loop as its `GameServerAllocator`.
 *
 * Certificate files are read here, so configuration mistakes fail at startup. Connections open on
 * the first allocation. `configKey` is where the routing configuration sits in the file, for error
 * messages.
 *
 * @throws ConfigError naming the offending key.
 */
export function createFleetRouter(
  config: FleetRoutingConfig,
  options: { readonly logger?: Logger; readonly configKey?: string } = {},
): FleetRouter {
  const logger = options.logger ?? pino({ level: "silent" });
  const configKey = options.configKey ?? "";
  const fleets = new Map<string, FleetAllocator>();
  try {
    for (const [name, fleet] of Object.entries(config.fleets)) {
      fleets.set(name, createFleetAllocator(name, fleet, keyPath(keyPath(configKey, "fleets"), name), logger));
    }
    return new FleetRouter({ fleets, routes: config.routes, defaultFleet: config.defaultFleet, configKey });
  } catch (error) {
    for (const allocator of fleets.values()) allocator.close?.();
    throw error;
  }
}
