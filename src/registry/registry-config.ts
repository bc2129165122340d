import { ConfigError } from "../config/config-error.ts";
import { readSettingFile } from "../config/setting-file.ts";
import { type Environment, integer, oneOf, optionalText, text } from "../config/env.ts";
import { LOG_LEVELS } from "../config/server-settings.ts";
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

function registryInteger(env: Environment, name: string, fallback: number, min: number, max: number): number {
  return integer(env, name, { fallback, min, max, expected: `an integer between ${min} and ${max}` });
}

function readPemVariable(env: Environment, name: string): string | undefined {
  const path = optionalText(env, name);
  return path === undefined ? undefined : readSettingFile(name, path);
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
    host: text(env, "REGISTRY_HOST", "0.0.0.0"),
    port: registryInteger(env, "REGISTRY_PORT", defaultRegistryPort, 0, 65_535),
    strategy: oneOf(env, "REGISTRY_STRATEGY", "packed", allocationStrategies),
    heartbeatTtlMs: registryInteger(env, "REGISTRY_HEARTBEAT_TTL_MS", defaultHeartbeatTtlMs, 1_000, 3_600_000),
    logLevel: oneOf(env, "LOG_LEVEL", "info", LOG_LEVELS),
    tls: tlsVariables(env),
  };
}
