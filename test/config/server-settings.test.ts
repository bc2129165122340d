import { describe, expect, it } from "vitest";
import { loadServerSettings } from "../../src/config/server-settings.ts";

describe("loadServerSettings", () => {
  it("has documented defaults", () => {
    expect(loadServerSettings({})).toMatchObject({
      host: "0.0.0.0",
      grpcPort: 50051,
      httpPort: 8080,
      development: false,
      redisUrl: undefined,
      leaseTtlMs: 5000,
    });
    expect(loadServerSettings({ MATCHMAKER_REDIS_URL: "redis://cache:6379/2" }).redisUrl).toBe("redis://cache:6379/2");
  });
  it("turns development mode on with --dev or MATCHMAKER_DEV_MODE", () => {
    expect(loadServerSettings({}, ["--dev"]).development).toBe(true);
    expect(loadServerSettings({ MATCHMAKER_DEV_MODE: "true" }).development).toBe(true);
  });
  it.each([
    ["MATCHMAKER_GRPC_PORT", "70000"],
    ["MATCHMAKER_HTTP_PORT", "http"],
    ["MATCHMAKER_LOG_LEVEL", "loud"],
    ["MATCHMAKER_DEV_MODE", "yes"],
    ["MATCHMAKER_REDIS_URL", "localhost:6379"],
    ["MATCHMAKER_LEASE_TTL_SECONDS", "0"],
  ])("rejects %s=%s naming the variable", (name, value) => {
    expect(() => loadServerSettings({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});
