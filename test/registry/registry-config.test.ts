import { describe, expect, it } from "vitest";
import { registryConfigFromEnvironment } from "../../src/registry/registry-config.ts";
import { testPkiForFile } from "../support/lifecycle.ts";

const testPki = testPkiForFile();

describe("registryConfigFromEnvironment", () => {
  it("defaults to port 50061 on all interfaces, packed, a 15 s TTL and cleartext", () => {
    expect(registryConfigFromEnvironment({})).toEqual({
      host: "0.0.0.0",
      port: 50061,
      strategy: "packed",
      heartbeatTtlMs: 15_000,
      logLevel: "info",
      tls: undefined,
    });
  });

  it("reads the variables, including mutual TLS files", () => {
    const pki = testPki();
    const config = registryConfigFromEnvironment({
      REGISTRY_PORT: "6000",
      REGISTRY_STRATEGY: "distributed",
      REGISTRY_HEARTBEAT_TTL_MS: "30000",
      REGISTRY_TLS_CERT_FILE: pki.server.certFile,
      REGISTRY_TLS_KEY_FILE: pki.server.keyFile,
      REGISTRY_TLS_CLIENT_CA_FILE: pki.caFile,
    });
    expect(config).toMatchObject({ port: 6000, strategy: "distributed", heartbeatTtlMs: 30_000 });
    expect(config.tls).toEqual({ cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca });
  });

  it.each([
    [{ REGISTRY_PORT: "70000" }, 'REGISTRY_PORT: must be an integer between 0 and 65535, got "70000"'],
    [{ REGISTRY_PORT: "0x10" }, 'REGISTRY_PORT: must be an integer between 0 and 65535, got "0x10"'],
    [{ REGISTRY_HEARTBEAT_TTL_MS: "1e4" }, 'REGISTRY_HEARTBEAT_TTL_MS: must be an integer between 1000 and 3600000, got "1e4"'],
    [{ REGISTRY_STRATEGY: "random" }, 'REGISTRY_STRATEGY: must be one of packed, distributed, got "random"'],
    [{ LOG_LEVEL: "loud" }, 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ REGISTRY_HEARTBEAT_TTL_MS: "10" }, 'REGISTRY_HEARTBEAT_TTL_MS: must be an integer between 1000 and 3600000, got "10"'],
    [{ REGISTRY_TLS_KEY_FILE: "/dev/null" }, "REGISTRY_TLS_CERT_FILE: is required with REGISTRY_TLS_KEY_FILE"],
    [{ REGISTRY_TLS_CERT_FILE: "/nonexistent.pem" }, /^REGISTRY_TLS_CERT_FILE: cannot read "\/nonexistent\.pem": ENOENT/],
  ])("rejects %j naming the variable", (env, message) => {
    expect(() => registryConfigFromEnvironment(env)).toThrow(message);
  });
});
