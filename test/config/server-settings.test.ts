import { describe, expect, it } from "vitest";
import { loadServerSettings } from "../../src/config/server-settings.ts";

describe("loadServerSettings", () => {
  it("has documented defaults", () => {
    expect(loadServerSettings({})).toMatchObject({ host: "0.0.0.0", grpcPort: 50051, httpPort: 8080, development: false });
    expect(loadServerSettings({})).toMatchObject({ corsOrigins: [], watchKeepAliveMs: 15_000, console: true });
  });
  it("reads the browser settings: exact CORS origins, the keep-alive interval and the console switch", () => {
    const settings = loadServerSettings({
      MATCHMAKER_CORS_ORIGINS: "https://play.example.com, http://localhost:5173",
      MATCHMAKER_WATCH_KEEPALIVE_SECONDS: "0",
      MATCHMAKER_CONSOLE: "false",
    });
    expect(settings).toMatchObject({ corsOrigins: ["https://play.example.com", "http://localhost:5173"], watchKeepAliveMs: 0, console: false });
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
});
