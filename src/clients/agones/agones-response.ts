import type { AllocationResponse } from "../../gen/allocation/allocation_pb.js";
import { labelDetails, matchIdDetail } from "../fleet/allocation-details.ts";
import { formatHostPort } from "../fleet/host-port.ts";

/** Agones allocated a server but its answer has no usable address or port. */
export class UnusableAllocationError extends Error {
  override readonly name = "UnusableAllocationError";
}

/**
 * The `host:port` players connect to: the response's `address` (or, from older or unusual setups,
 * the first of `addresses`) and the port named `portName`, or the first port when none is named.
 *
 * @throws UnusableAllocationError
 */
export function playerAddress(response: AllocationResponse, portName: string | undefined): string {
  const host = response.address || response.addresses[0]?.address;
  if (!host) throw new UnusableAllocationError(`game server "${response.gameServerName}" was allocated without an address`);
  const port = portName === undefined ? response.ports[0] : response.ports.find((candidate) => candidate.name === portName);
  if (!port) {
    const wanted = portName === undefined ? "any port" : `a port named "${portName}"`;
    throw new UnusableAllocationError(`game server "${response.gameServerName}" was allocated without ${wanted}`);
  }
  return formatHostPort(host, port.port);
}

/** Internal metadata of an allocation for logs: never shown to players. */
export function allocationDetails(response: AllocationResponse, matchId: string, namespace: string): Record<string, string> {
  return {
    [matchIdDetail]: matchId,
    namespace,
    nodeName: response.nodeName,
    source: response.source,
    ...labelDetails(response.metadata?.labels ?? {}),
  };
}
