import { describe, expect, it } from "vitest";
import { loadServerSettings } from "../../src/config/server-settings.ts";

describe("loadServerSettings", () => {
  it("has documented defaults", () => {
    expect(loadServerSettings({})).toEqual({
      host: "0.0.0.0",
      grpcPort: 50051,
      httpPort: 8080,
      adminPort: undefined,
      adminHost: "0.0.0.0",
      queuesFile: "config/queues.json",
      logLevel: "info",
      ticketRetentionMs: 600_000,
      allocationTimeoutMs: 30_000,
      maxConcurrentAllocations: 256,
      playerEnqueuesPerMinute: 10,
      shutdownGraceMs: 20_000,
      reflection: true,
      queueStatsWindowMs: 300_000,
      development: false,
      redisUrl: undefined,
      leaseTtlMs: 5000,
      redisCommandTimeoutMs: 1000,
      corsOrigins: [],
      watchKeepAliveMs: 15_000,
      console: true,
    });
    expect(loadServerSettings({ MATCHMAKER_REDIS_URL: "redis://cache:6379/2" }).redisUrl).toBe("redis://cache:6379/2");
  });
  it("reads the players' enqueue limit, 0 for none, and refuses a negative one naming the variable", () => {
    expect(loadServerSettings({ MATCHMAKER_PLAYER_ENQUEUES_PER_MINUTE: "30" }).playerEnqueuesPerMinute).toBe(30);
    expect(loadServerSettings({ MATCHMAKER_PLAYER_ENQUEUES_PER_MINUTE: "0" }).playerEnqueuesPerMinute).toBe(0);
    expect(() => loadServerSettings({ MATCHMAKER_PLAYER_ENQUEUES_PER_MINUTE: "-1" })).toThrow(/^MATCHMAKER_PLAYER_ENQUEUES_PER_MINUTE: /);
  });
  it("keeps ended tickets for at least a minute", () => {
    expect(loadServerSettings({ MATCHMAKER_TICKET_RETENTION_SECONDS: "60" }).ticketRetentionMs).toBe(60_000);
    expect(() => loadServerSettings({ MATCHMAKER_TICKET_RETENTION_SECONDS: "59" })).toThrow(/^MATCHMAKER_TICKET_RETENTION_SECONDS: /);
  });
  it("reads the operations settings", () => {
    const settings = loadServerSettings({
      MATCHMAKER_SHUTDOWN_GRACE_SECONDS: "45",
      MATCHMAKER_GRPC_REFLECTION: "false",
      MATCHMAKER_QUEUE_STATS_WINDOW_SECONDS: "60",
      MATCHMAKER_LOG_LEVEL: "debug",
      MATCHMAKER_MAX_CONCURRENT_ALLOCATIONS: "32",
    });
    expect(settings).toMatchObject({ shutdownGraceMs: 45_000, reflection: false, queueStatsWindowMs: 60_000, logLevel: "debug", maxConcurrentAllocations: 32 });
  });
  it("reads the browser settings: exact CORS origins, the keep-alive interval and the console switch", () => {
    const settings = loadServerSettings({
      MATCHMAKER_CORS_ORIGINS: "https://play.example.com, http://localhost:5173",
      MATCHMAKER_WATCH_KEEPALIVE_SECONDS: "0",
      MATCHMAKER_CONSOLE: "false",
    });
    expect(settings).toMatchObject({ corsOrigins: ["https://play.example.com", "http://localhost:5173"], watchKeepAliveMs: 0, console: false });
  });
  it("opens the admin port only when asked, on the main interface unless told otherwise", () => {
    expect(loadServerSettings({ MATCHMAKER_ADMIN_PORT: "9090", MATCHMAKER_HOST: "127.0.0.1" })).toMatchObject({ adminPort: 9090, adminHost: "127.0.0.1" });
    expect(loadServerSettings({ MATCHMAKER_ADMIN_PORT: "0", MATCHMAKER_ADMIN_HOST: "10.0.0.5" })).toMatchObject({ adminPort: 0, adminHost: "10.0.0.5" });
    expect(loadServerSettings({ MATCHMAKER_ADMIN_PORT: " " }).adminPort).toBeUndefined();
  });
  it("refuses any argument but --dev, naming it", () => {
    expect(() => loadServerSettings({}, ["--devv"])).toThrow("--devv: unknown argument (the only one is --dev; every setting is an environment variable)");
  });

  it("turns development mode on with --dev or MATCHMAKER_DEV_MODE", () => {
    expect(loadServerSettings({}, ["--dev"]).development).toBe(true);
    expect(loadServerSettings({ MATCHMAKER_DEV_MODE: "true" }).development).toBe(true);
  });
  it.each([
    ["MATCHMAKER_GRPC_PORT", "70000"],
    ["MATCHMAKER_HTTP_PORT", "http"],
    ["MATCHMAKER_ADMIN_PORT", "65536"],
    ["MATCHMAKER_ADMIN_PORT", "metrics"],
    ["MATCHMAKER_LOG_LEVEL", "loud"],
    ["MATCHMAKER_DEV_MODE", "yes"],
    ["MATCHMAKER_REDIS_URL", "localhost:6379"],
    ["MATCHMAKER_LEASE_TTL_SECONDS", "0"],
    ["MATCHMAKER_REDIS_COMMAND_TIMEOUT_MS", "10"],
    ["MATCHMAKER_SHUTDOWN_GRACE_SECONDS", "0"],
    ["MATCHMAKER_SHUTDOWN_GRACE_SECONDS", "1.5"],
    ["MATCHMAKER_GRPC_REFLECTION", "off"],
    ["MATCHMAKER_QUEUE_STATS_WINDOW_SECONDS", "5"],
    ["MATCHMAKER_MAX_CONCURRENT_ALLOCATIONS", "0"],
    ["MATCHMAKER_WATCH_KEEPALIVE_SECONDS", "3601"],
    ["MATCHMAKER_CONSOLE", "off"],
    ["MATCHMAKER_CORS_ORIGINS", "*"],
    ["MATCHMAKER_CORS_ORIGINS", "https://play.example.com/"],
    ["MATCHMAKER_CORS_ORIGINS", "https://play.example.com/lobby"],
    ["MATCHMAKER_CORS_ORIGINS", "HTTPS://Play.example.com"],
    ["MATCHMAKER_CORS_ORIGINS", "https://play.example.com:443"],
    ["MATCHMAKER_CORS_ORIGINS", "play.example.com"],
    ["MATCHMAKER_CORS_ORIGINS", "https://a.example.com,,https://b.example.com"],
  ])("rejects %s=%s naming the variable", (name, value) => {
    expect(() => loadServerSettings({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
  it("says what is wrong with the value", () => {
    expect(() => loadServerSettings({ MATCHMAKER_SHUTDOWN_GRACE_SECONDS: "0" })).toThrow(
      "MATCHMAKER_SHUTDOWN_GRACE_SECONDS: must be between 1 and 3600, got 0",
    );
    expect(() => loadServerSettings({ MATCHMAKER_GRPC_REFLECTION: "off" })).toThrow(
      'MATCHMAKER_GRPC_REFLECTION: must be one of true, false, got "off"',
    );
  });
});
