import type { AgonesAllocatorOptions } from "../agones/agones-allocator.ts";
import type { AgonesScheduling } from "../agones/agones-request.ts";
import type { RegistryAllocatorOptions } from "../registry/registry-allocator.ts";
import { ConfigError } from "../../config/config-error.ts";
import { ConfigReader } from "../../config/config-reader.ts";
import type { FleetRoute } from "./fleet-router.ts";
import type { ClientTlsFiles } from "./grpc-channel.ts";
import type { RetryPolicy } from "./retry.ts";

/** Allocator options that come from the program rather than from the configuration file. */
type RuntimeOptions = "fleet" | "configKey" | "logger" | "retryEnvironment";

/** A fleet reached through the `gameserver.v1.GameServerRegistryService` contract. */
export type RegistryFleetConfig = { readonly type: "registry" } & Omit<RegistryAllocatorOptions, RuntimeOptions>;

/** An Agones fleet reached through its allocator service. */
export type AgonesFleetConfig = { readonly type: "agones" } & Omit<AgonesAllocatorOptions, RuntimeOptions>;

/** One fleet's settings, told apart by `type` so each allocator gets only the options it knows. */
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

const fleetTypes: readonly FleetConfig["type"][] = ["registry", "agones"];
const connectionKeys = ["type", "url", "tls", "pingIntervalMs", "retry"] as const;
const agonesKeys = [...connectionKeys, "namespace", "regionLabelKey", "matchLabels", "scheduling", "portName", "metadataPrefix"];
const schedulings: readonly AgonesScheduling[] = ["Packed", "Distributed"];

function readTls(fleet: ConfigReader): ClientTlsFiles | undefined {
  if (!fleet.has("tls")) return undefined;
  const tls = fleet.object("tls");
  tls.onlyKeys(["caFile", "certFile", "keyFile"]);
  const caFile = tls.optionalText("caFile");
  const certFile = tls.optionalText("certFile");
  const keyFile = tls.optionalText("keyFile");
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

function readRetry(fleet: ConfigReader): Partial<RetryPolicy> | undefined {
  if (!fleet.has("retry")) return undefined;
  const retry = fleet.object("retry");
  const names = Object.keys(retryMinimums) as (keyof RetryPolicy)[];
  retry.onlyKeys(names);
  const policy: { -readonly [Name in keyof RetryPolicy]?: number } = {};
  for (const name of names) {
    const value = retry.optionalNumber(name, { min: retryMinimums[name], integer: name !== "backoffMultiplier" });
    if (value !== undefined) policy[name] = value;
  }
  return policy;
}

function readConnection(fleet: ConfigReader): Omit<RegistryFleetConfig, "type"> {
  const tls = readTls(fleet);
  const pingIntervalMs = fleet.optionalNumber("pingIntervalMs", { min: 1_000, integer: true });
  const retry = readRetry(fleet);
  return {
    url: fleet.text("url"),
    ...(tls && { tls }),
    ...(pingIntervalMs !== undefined && { pingIntervalMs }),
    ...(retry && { retry }),
  };
}

function readFleet(fleet: ConfigReader): FleetConfig {
  const type = fleet.optionalChoice("type", fleetTypes);
  if (type === "agones") {
    fleet.onlyKeys(agonesKeys);
    const namespace = fleet.optionalText("namespace");
    const regionLabelKey = fleet.optionalText("regionLabelKey");
    const matchLabels = fleet.optionalStringRecord("matchLabels");
    const scheduling = fleet.optionalChoice("scheduling", schedulings);
    const portName = fleet.optionalText("portName");
    const metadataPrefix = fleet.optionalText("metadataPrefix");
    return {
      type,
      ...readConnection(fleet),
      ...(namespace && { namespace }),
      ...(regionLabelKey && { regionLabelKey }),
      ...(matchLabels && { matchLabels }),
      ...(scheduling && { scheduling }),
      ...(portName && { portName }),
      ...(metadataPrefix && { metadataPrefix }),
    };
  }
  if (type === "registry") {
    fleet.onlyKeys(connectionKeys);
    return { type, ...readConnection(fleet) };
  }
  throw new ConfigError(fleet.keyPath("type"), `is required: one of ${fleetTypes.join(", ")}`);
}

function readRoute(route: ConfigReader): FleetRoute {
  route.onlyKeys(["queue", "region", "fleet"]);
  const queue = route.optionalText("queue");
  const region = route.optionalText("region");
  const fleet = route.text("fleet");
  if (queue === undefined && region === undefined) {
    throw new ConfigError(route.path, "needs a queue, a region or both (defaultFleet covers every other match)");
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
  const root = new ConfigReader(value, key);
  const fleetReader = root.object("fleets", { required: true });
  const names = fleetReader.keys();
  if (names.length === 0) throw new ConfigError(fleetReader.path, "must configure at least one fleet");
  const fleets = Object.fromEntries(names.map((name) => [name, readFleet(fleetReader.object(name, { required: true }))]));
  const routes = root.objects("routes", { required: false }).map(readRoute);

  const [onlyFleet] = names;
  let defaultFleet: string;
  if (root.has("defaultFleet")) defaultFleet = root.text("defaultFleet");
  else if (onlyFleet !== undefined && names.length === 1) defaultFleet = onlyFleet;
  else throw new ConfigError(root.keyPath("defaultFleet"), "is required when several fleets are configured");
  return { fleets, routes, defaultFleet };
}
