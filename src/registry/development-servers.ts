import type { RunningRegistry } from "./registry-server.ts";

/** A game server that exists only for local development. */
export interface DevelopmentServer {
  readonly id: string;
  readonly region: string;
  /** `host:port` players connect to, for example `127.0.0.1:7777`. */
  readonly address: string;
  /** Concurrent matches; defaults to 1. */
  readonly capacity?: number;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A development server's address is not `host:port`. */
export class DevelopmentServerError extends Error {
  override readonly name = "DevelopmentServerError";
}

/** Splits `host:port` or `[ipv6]:port`. */
function parseHostPort(address: string, id: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !(port >= 1 && port <= 65_535)) {
    throw new DevelopmentServerError(`development server "${id}": address must be host:port, got "${address}"`);
  }
  return { host, port };
}

/**
 * Registers servers that never send heartbeats and never expire, so that `npm start` can match
 * players on a laptop without any real game server running.
 */
export function registerDevelopmentServers(
  registry: Pick<RunningRegistry, "pool">,
  servers: readonly DevelopmentServer[],
): void {
  for (const server of servers) {
    const { host, port } = parseHostPort(server.address, server.id);
    registry.pool.register(
      {
        serverId: server.id,
        host,
        port,
        region: server.region,
        capacity: server.capacity ?? 1,
        labels: server.labels ?? {},
      },
      { expires: false },
    );
  }
}
