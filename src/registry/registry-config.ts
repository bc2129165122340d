import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.ts";
import { type AllocationStrategy, allocationStrategies } from "./game-server-pool.ts";
import { defaultHeartbeatTtlMs, defaultRegistryPort, type RegistryServerTls } from "./registry-server.ts";

/** Settings of the `npm run registry` command. */
export interface RegistryConfig {
  readonly host: string;
  readonly port: number;
  readonly strategy: AllocationStrategy;
  readonly heartbeatTtlMs: number;
  readonly logLevel: string;
  readonly tls: RegistryServerTls | undefined;
}

type Environment = Readonly<Record<string, string | undefined>>;

function integerVariable(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function strategyVariable(env: Environment): AllocationStrategy {
  const raw = env["REGISTRY_STRATEGY"] || "packed";
  const strategy = allocationStrategies.find((candidate) => candidate === raw);
  if (!strategy) {
    throw new ConfigError("REGISTRY_STRATEGY", `must be one of ${allocationStrategies.join(", ")}, got "${raw}"`);
  }
  return strategy;
}

function readPemVariable(env: Environment, name: string): string | undefined {
  const path = env[name];
  if (!path) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(name, `cannot read "${path}": ${(error as Error).message}`);
  }
}

function tlsVariables(env: Environment): RegistryServerTls | undefined {
  const cert = readPemVariable(env, "REGISTRY_TLS_CERT_FILE");
  const key = readPemVariable(env, "REGISTRY_TLS_KEY_FILE");
  const clientCa = readPemVariable(env, "REGISTRY_TLS_CLIENT_CA_FILE");
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) throw new ConfigError("REGISTRY_TLS_CLIENT_CA_FILE", "needs REGISTRY_TLS_CERT_FILE and REGISTRY_TLS_KEY_FILE");
    return undefined;
  }
  if (cert === undefined) throw new ConfigError("REGISTRY_TLS_CERT_FILE", "is required with REGISTRY_TLS_KEY_FILE");
  if (key === undefined) throw new ConfigError("REGISTRY_TLS_KEY_FILE", "is required with REGISTRY_TLS_CERT_FILE");
  return clientCa === undefined ? { cert, key } : { cert, key, clientCa };
}

/**
 * Reads the registry command's settings from environment variables:
 *
 * - `REGISTRY_HOST` (default `0.0.0.0`) and `REGISTRY_PORT` (default 50061)
 * - `REGISTRY_STRATEGY`: `packed` (default) or `distributed`
 * - `REGISTRY_HEARTBEAT_TTL_MS` (default 15000): servers silent for longer are dropped
 * - `REGISTRY_TLS_CERT_FILE` + `REGISTRY_TLS_KEY_FILE`: serve TLS instead of cleartext HTTP/2;
 *   `REGISTRY_TLS_CLIENT_CA_FILE` additionally requires client certificates (mutual TLS)
 * - `LOG_LEVEL` (default `info`)
 */
export function registryConfigFromEnvironment(env: Environment): RegistryConfig {
  return {
    host: env["REGISTRY_HOST"] || "0.0.0.0",
    port: integerVariable(env, "REGISTRY_PORT", defaultRegistryPort, 0, 65_535),
    strategy: strategyVariable(env),
    heartbeatTtlMs: integerVariable(env, "REGISTRY_HEARTBEAT_TTL_MS", defaultHeartbeatTtlMs, 1_000, 3_600_000),
    logLevel: env["LOG_LEVEL"] || "info",
    tls: tlsVariables(env),
  };
}
