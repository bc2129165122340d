import type { AgonesAllocatorOptions } from "../agones/agones-allocator.ts";
import type { AgonesScheduling } from "../agones/agones-request.ts";
import type { RegistryAllocatorOptions } from "../registry/registry-allocator.ts";
import {
  childKey,
  type ConfigObject,
  configObject,
  optionalChoice,
  optionalNumber,
  optionalString,
  optionalStringRecord,
  requiredString,
} from "./config-values.ts";
import { ConfigError } from "../../config/config-error.ts";
import type { FleetRoute } from "./fleet-router.ts";
import type { ClientTlsFiles } from "./grpc-channel.ts";
import type { RetryPolicy } from "./retry.ts";

/** Allocator options that come from the program rather than from the configuration file. */
type RuntimeOptions = "fleet" | "configKey" | "logger" | "retryEnvironment";

/** A fleet reached through the `gameserver.v1.GameServerRegistryService` contract. */
export type RegistryFleetConfig = { readonly type: "registry" } & Omit<RegistryAllocatorOptions, RuntimeOptions>;

/** An Agones fleet reached through its allocator service. */
export type AgonesFleetConfig = { readonly type: "agones" } & Omit<AgonesAllocatorOptions, RuntimeOptions>;

export type FleetConfig = RegistryFleetConfig | AgonesFleetConfig;

/**
 * Which fleets exist and which matches go to which fleet.
 *
 * ```yaml
 * fleets:
 *   local: { type: registry, url: "http://127.0.0.1:50061" }
 *   agones-eu:
 *     type: agones
 *     url: https://allocator.eu.example.com:443
 *     tls: { caFile: ca.pem, certFile: client.pem, keyFile: client-key.pem }
 *     namespace: games
 *     matchLabels: { agones.dev/fleet: arena }
 * routes:
 *   - { region: eu-west, fleet: agones-eu }
 *   - { queue: tournament, region: eu-west, fleet: local }
 * defaultFleet: local
 * ```
 */
export interface FleetRoutingConfig {
  readonly fleets: Readonly<Record<string, FleetConfig>>;
  /** Checked in order; the first route matching a match's queue and region wins. */
  readonly routes: readonly FleetRoute[];
  /** Fleet of the matches no route matches; optional in the input when there is one fleet. */
  readonly defaultFleet: string;
}

const connectionKeys = ["type", "url", "tls", "pingIntervalMs", "retry"] as const;
const agonesKeys = [...connectionKeys, "namespace", "regionLabelKey", "matchLabels", "scheduling", "portName", "metadataPrefix"];
const schedulings: readonly AgonesScheduling[] = ["Packed", "Distributed"];

function parseTls(object: ConfigObject, key: string): ClientTlsFiles | undefined {
  if (object["tls"] === undefined) return undefined;
  const tlsKey = childKey(key, "tls");
  const tls = configObject(object["tls"], tlsKey, ["caFile", "certFile", "keyFile"]);
  const caFile = optionalString(tls, "caFile", tlsKey);
  const certFile = optionalString(tls, "certFile", tlsKey);
  const keyFile = optionalString(tls, "keyFile", tlsKey);
  return { ...(caFile && { caFile }), ...(certFile && { certFile }), ...(keyFile && { keyFile }) };
}

/** Smallest accepted value of each retry setting; all but the multiplier are whole numbers. */
const retryMinimums: Readonly<Record<keyof RetryPolicy, number>> = {
  maxAttempts: 1,
  initialBackoffMs: 0,
  maxBackoffMs: 0,
  backoffMultiplier: 1,
  callTimeoutMs: 1,
  totalTimeoutMs: 1,
};

function parseRetry(object: ConfigObject, key: string): Partial<RetryPolicy> | undefined {
  if (object["retry"] === undefined) return undefined;
  const retryKey = childKey(key, "retry");
  const names = Object.keys(retryMinimums) as (keyof RetryPolicy)[];
  const retry = configObject(object["retry"], retryKey, names);
  const policy: { -readonly [Name in keyof RetryPolicy]?: number } = {};
  for (const name of names) {
    const value = optionalNumber(retry, name, retryKey, { min: retryMinimums[name], integer: name !== "backoffMultiplier" });
    if (value !== undefined) policy[name] = value;
  }
  return policy;
}

function parseConnection(object: ConfigObject, key: string): Omit<RegistryFleetConfig, "type"> {
  const tls = parseTls(object, key);
  const pingIntervalMs = optionalNumber(object, "pingIntervalMs", key, { min: 1_000, integer: true });
  const retry = parseRetry(object, key);
  return {
    url: requiredString(object, "url", key),
    ...(tls && { tls }),
    ...(pingIntervalMs !== undefined && { pingIntervalMs }),
    ...(retry && { retry }),
  };
}

function parseFleet(value: unknown, key: string): FleetConfig {
  const type = configObject(value, key)["type"];
  if (type === "registry") {
    return { type, ...parseConnection(configObject(value, key, connectionKeys), key) };
  }
  if (type === "agones") {
    const object = configObject(value, key, agonesKeys);
    const namespace = optionalString(object, "namespace", key);
    const regionLabelKey = optionalString(object, "regionLabelKey", key);
    const matchLabels = optionalStringRecord(object, "matchLabels", key);
    const scheduling = optionalChoice(object, "scheduling", key, schedulings);
    const portName = optionalString(object, "portName", key);
    const metadataPrefix = optionalString(object, "metadataPrefix", key);
    return {
      type,
      ...parseConnection(object, key),
      ...(namespace && { namespace }),
      ...(regionLabelKey && { regionLabelKey }),
      ...(matchLabels && { matchLabels }),
      ...(scheduling && { scheduling }),
      ...(portName && { portName }),
      ...(metadataPrefix && { metadataPrefix }),
    };
  }
  throw new ConfigError(childKey(key, "type"), 'must be "registry" or "agones"');
}

function parseRoute(value: unknown, key: string): FleetRoute {
  const object = configObject(value, key, ["queue", "region", "fleet"]);
  const queue = optionalString(object, "queue", key);
  const region = optionalString(object, "region", key);
  const fleet = requiredString(object, "fleet", key);
  if (queue === undefined && region === undefined) {
    throw new ConfigError(key, "needs a queue, a region or both (defaultFleet covers every other match)");
  }
  return { ...(queue && { queue }), ...(region && { region }), fleet };
}

/**
 * Checks the fleet routing part of the matchmaker's configuration and returns it typed. Whether
 * routes name configured fleets is checked by `createFleetRouter`, which builds them.
 *
 * `value` is the object holding the `fleets`, `routes` and `defaultFleet` keys (other keys are left
 * to the caller, so it may be the configuration file's root); `key` is its path for error messages.
 *
 * @throws ConfigError naming the first offending key, e.g. `fleets.agones-eu.url`.
 */
export function parseFleetRoutingConfig(value: unknown, key = ""): FleetRoutingConfig {
  const root = configObject(value, key);
  const fleetsKey = childKey(key, "fleets");
  const fleetObject = configObject(root["fleets"] ?? null, fleetsKey);
  const names = Object.keys(fleetObject);
  if (names.length === 0) throw new ConfigError(fleetsKey, "must configure at least one fleet");
  const fleets = Object.fromEntries(names.map((name) => [name, parseFleet(fleetObject[name], childKey(fleetsKey, name))]));

  const routesKey = childKey(key, "routes");
  const rawRoutes = root["routes"] ?? [];
  if (!Array.isArray(rawRoutes)) throw new ConfigError(routesKey, "must be a list");
  const routes = rawRoutes.map((route: unknown, index) => parseRoute(route, `${routesKey}[${index}]`));

  const [onlyFleet] = names;
  let defaultFleet: string;
  if (root["defaultFleet"] !== undefined) defaultFleet = requiredString(root, "defaultFleet", key);
  else if (onlyFleet !== undefined && names.length === 1) defaultFleet = onlyFleet;
  else throw new ConfigError(childKey(key, "defaultFleet"), "is required when several fleets are configured");
  return { fleets, routes, defaultFleet };
}
