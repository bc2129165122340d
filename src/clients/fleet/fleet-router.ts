import {
  type AllocatedServer,
  AllocationError,
  type AllocationRequest,
  type GameServerAllocator,
} from "../../application/ports/game-server-allocator.ts";
import { keyPath } from "../../config/config-reader.ts";
import { ConfigError } from "../../config/config-error.ts";

/**
 * Sends the matches of a queue, a region, or both, to one fleet. A missing `queue` or `region`
 * matches any.
 */
export interface FleetRoute {
  readonly queue?: string;
  readonly region?: string;
  readonly fleet: string;
}

/** A fleet allocator that may hold a connection to close at shutdown. */
export type FleetAllocator = GameServerAllocator & { close?(): void };

/** Options of {@link FleetRouter}. */
export interface FleetRouterOptions {
  /** Allocators by fleet name; each must put that name in `AllocatedServer.fleet`. */
  readonly fleets: ReadonlyMap<string, FleetAllocator>;
  /** Checked in order; the first route matching the match's queue and region wins. */
  readonly routes: readonly FleetRoute[];
  /** Fleet of the matches no route matches. */
  readonly defaultFleet: string;
  /** Path of the routing configuration, for error messages. */
  readonly configKey?: string;
}

/**
 * The {@link GameServerAllocator} the matching loop uses when several fleets serve one matchmaker,
 * for example a registry of bare-metal servers for one region and Agones clusters for others, or
 * a separate fleet for a tournament queue. It picks the fleet by the match's queue and region and
 * sends each release back to the fleet that allocated the server.
 */
export class FleetRouter implements GameServerAllocator {
  private readonly fleets: ReadonlyMap<string, FleetAllocator>;
  private readonly routes: readonly (FleetRoute & { readonly allocator: FleetAllocator })[];
  private readonly defaultRoute: { readonly fleet: string; readonly allocator: FleetAllocator };

  /** @throws ConfigError when a route or the default names a fleet that does not exist. */
  constructor(options: FleetRouterOptions) {
    const { fleets, configKey } = options;
    const resolve = (fleet: string, at: string): FleetAllocator => {
      const allocator = fleets.get(fleet);
      if (!allocator) {
        throw new ConfigError(keyPath(configKey ?? "", at), `unknown fleet "${fleet}" (known: ${[...fleets.keys()].join(", ")})`);
      }
      return allocator;
    };
    this.fleets = fleets;
    this.routes = options.routes.map((route, index) => ({ ...route, allocator: resolve(route.fleet, `routes[${index}].fleet`) }));
    this.defaultRoute = { fleet: options.defaultFleet, allocator: resolve(options.defaultFleet, "defaultFleet") };
  }

  allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocatedServer> {
    return this.routeFor(request).allocator.allocate(request, signal);
  }

  fleetFor(match: Pick<AllocationRequest, "queue" | "region">): string {
    return this.routeFor(match).fleet;
  }

  /** @throws AllocationError (not retryable) when the server names a fleet that is not configured. */
  async release(server: AllocatedServer): Promise<void> {
    const allocator = this.fleets.get(server.fleet);
    if (!allocator) {
      throw new AllocationError(`cannot release server "${server.serverId}": fleet "${server.fleet}" is not configured`, {
        retryable: false,
      });
    }
    await allocator.release(server);
  }

  /** Closes every fleet's connection. */
  close(): void {
    for (const allocator of this.fleets.values()) allocator.close?.();
  }

  private routeFor(match: Pick<AllocationRequest, "queue" | "region">): { fleet: string; allocator: FleetAllocator } {
    const route = this.routes.find(
      (candidate) =>
        (candidate.queue === undefined || candidate.queue === match.queue) &&
        (candidate.region === undefined || candidate.region === match.region),
    );
    return route ?? this.defaultRoute;
  }
}
