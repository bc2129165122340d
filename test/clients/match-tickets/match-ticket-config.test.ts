import { describe, expect, it } from "vitest";
import { readMatchTicketConfig } from "../../../src/clients/match-tickets/match-ticket-config.ts";
import { ConfigError } from "../../../src/config/config-error.ts";

describe("readMatchTicketConfig", () => {
  it('defaults to a 30 s lifetime, issuer "matchmaker" and a generated key', () => {
    expect(readMatchTicketConfig({})).toEqual({ ttlSeconds: 30, issuer: "matchmaker", keyFile: undefined });
  });

  it("reads every variable, treating empty ones as unset", () => {
    expect(
      readMatchTicketConfig({
        MATCHMAKER_MATCH_TICKET_TTL_SECONDS: "600",
        MATCHMAKER_MATCH_TICKET_ISSUER: "https://mm.example.com",
        MATCHMAKER_MATCH_TICKET_KEY_FILE: "/etc/matchmaker/ticket-key.pem",
      }),
    ).toEqual({ ttlSeconds: 600, issuer: "https://mm.example.com", keyFile: "/etc/matchmaker/ticket-key.pem" });
    expect(
      readMatchTicketConfig({ MATCHMAKER_MATCH_TICKET_TTL_SECONDS: "", MATCHMAKER_MATCH_TICKET_ISSUER: " " }),
    ).toEqual({ ttlSeconds: 30, issuer: "matchmaker", keyFile: undefined });
  });

  it.each(["4", "601", "30.5", "-10", "1e2", "thirty"])("rejects a lifetime of %j naming the variable", (raw) => {
    const error = catchError(() => readMatchTicketConfig({ MATCHMAKER_MATCH_TICKET_TTL_SECONDS: raw }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      key: "MATCHMAKER_MATCH_TICKET_TTL_SECONDS",
      message: `MATCHMAKER_MATCH_TICKET_TTL_SECONDS: must be a whole number of seconds from 5 to 600, got "${raw}"`,
    });
  });

  it("accepts both ends of the lifetime range", () => {
    expect(readMatchTicketConfig({ MATCHMAKER_MATCH_TICKET_TTL_SECONDS: "5" }).ttlSeconds).toBe(5);
    expect(readMatchTicketConfig({ MATCHMAKER_MATCH_TICKET_TTL_SECONDS: "600" }).ttlSeconds).toBe(600);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
