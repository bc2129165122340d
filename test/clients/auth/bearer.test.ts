import { describe, expect, it } from "vitest";
import { bearerToken, callerFromToken, parseBearerToken } from "../../../src/clients/auth/bearer.ts";
import { GAME_SERVER_SCOPE, SERVICE_SCOPE } from "../../../src/clients/auth/scopes.ts";

describe("parseBearerToken", () => {
  it.each(["Bearer a.b.c", "bearer a.b.c", "BEARER   a.b.c ", "Bearer\ta.b.c"])("reads %j", (header) => {
    expect(parseBearerToken(header)).toBe("a.b.c");
  });

  it.each([null, undefined, "", "   "])("reports a missing header for %j", (header) => {
    expect(() => parseBearerToken(header)).toThrow(expect.objectContaining({ check: "missing" }));
  });

  it.each(["Basic dXNlcjpwYXNz", "Bearer", "Bearer a.b.c extra", "a.b.c", "Bearerx a.b.c"])(
    "reports a malformed header for %j",
    (header) => {
      expect(() => parseBearerToken(header)).toThrow(expect.objectContaining({ check: "malformed" }));
    },
  );
});

describe("bearerToken", () => {
  it.each(["Bearer a.b.c", "bearer a.b.c", "BEARER   a.b.c ", "Bearer\ta.b.c"])("reads %j as parseBearerToken does", (header) => {
    expect(bearerToken(header)).toBe(parseBearerToken(header));
  });

  it.each([null, undefined, "", "   ", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a.b.c extra", "a.b.c", "Bearerx a.b.c"])(
    "finds no token in %j, where parseBearerToken throws",
    (header) => {
      expect(bearerToken(header)).toBeUndefined();
      expect(() => parseBearerToken(header)).toThrow();
    },
  );
});

describe("callerFromToken", () => {
  const token = (scopes: string[]) => ({ subject: "subject-1", scopes: new Set(scopes), expiresAt: 0 });

  it("maps the service scope to a service caller", () => {
    expect(callerFromToken(token([SERVICE_SCOPE, "other"]))).toEqual({ kind: "service", subject: "subject-1" });
  });

  it("maps any other token to the player named by its subject", () => {
    expect(callerFromToken(token([]))).toEqual({ kind: "player", userId: "subject-1" });
    expect(callerFromToken(token(["profile"]))).toEqual({ kind: "player", userId: "subject-1" });
  });

  it("does not treat a game server credential as a service", () => {
    expect(callerFromToken(token([GAME_SERVER_SCOPE]))).toEqual({ kind: "player", userId: "subject-1" });
  });
});
