import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { GAME_SERVER_SCOPE, SERVICE_SCOPE } from "../src/clients/auth/scopes.ts";
import { tokenAuthentication } from "../src/token-authentication.ts";
import { TEST_SECRET, TEST_SECRET_BYTES, signToken } from "./clients/auth/support/keys.ts";
import { productionVerifier } from "./clients/auth/support/verifier.ts";
import { ManualClock } from "./support/manual-clock.ts";

describe("tokenAuthentication", () => {
  const clock = new ManualClock();
  const auth = tokenAuthentication(productionVerifier({ MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET }, clock));
  const sign = (sub: string, scp: string[] = []) => signToken(TEST_SECRET_BYTES, "HS256", { clock, claims: { sub, scp } });

  async function codeOf(call: Promise<unknown>): Promise<Code> {
    const error = await call.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectError);
    return (error as ConnectError).code;
  }

  it("authenticates players and services from the authorization header", async () => {
    await expect(auth.caller(`Bearer ${await sign("alice")}`)).resolves.toEqual({ kind: "player", userId: "alice" });
    await expect(auth.caller(`bearer ${await sign("lobby-backend", [SERVICE_SCOPE])}`)).resolves.toEqual({
      kind: "service",
      subject: "lobby-backend",
    });
  });

  it("answers UNAUTHENTICATED for a missing or malformed header and a bad token", async () => {
    expect(await codeOf(auth.caller(null))).toBe(Code.Unauthenticated);
    expect(await codeOf(auth.caller("Basic dXNlcjpwYXNz"))).toBe(Code.Unauthenticated);
    expect(await codeOf(auth.gameServer("Bearer not.a.token"))).toBe(Code.Unauthenticated);
  });

  it("keeps game-server credentials to the game-server service, and players out of it", async () => {
    const gameServer = `Bearer ${await sign("gs-1", [GAME_SERVER_SCOPE])}`;
    await expect(auth.gameServer(gameServer)).resolves.toEqual({ serverId: "gs-1" });
    expect(await codeOf(auth.caller(gameServer))).toBe(Code.PermissionDenied);
    // The same refusal serves MatchmakingService and OperatorService: it names where the credential is good.
    await expect(auth.caller(gameServer)).rejects.toThrow("a game-server credential is good only for MatchTicketService (redeeming match tickets)");
    expect(await codeOf(auth.gameServer(`Bearer ${await sign("alice")}`))).toBe(Code.PermissionDenied);
  });

  it("knows a caller at once once their token was verified, until it expires, and never a game server", async () => {
    const local = tokenAuthentication(productionVerifier({ MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET, MATCHMAKER_AUTH_CLOCK_SKEW_SECONDS: "0" }, clock));
    const known = local.caller.known!;
    const alice = `Bearer ${await signToken(TEST_SECRET_BYTES, "HS256", { clock, claims: { sub: "alice" }, ttlSeconds: 60 })}`;
    const backend = `Bearer ${await sign("lobby-backend", [SERVICE_SCOPE])}`;
    const gameServer = `Bearer ${await sign("gs-2", [GAME_SERVER_SCOPE])}`;

    expect(known(alice)).toBeUndefined();
    const verified = await local.caller(alice);
    expect(known(alice)).toEqual(verified);
    // Another spelling of the same credential is the same token.
    expect(known(alice.replace("Bearer", "bearer"))).toEqual({ kind: "player", userId: "alice" });
    await local.caller(backend);
    expect(known(backend)).toEqual({ kind: "service", subject: "lobby-backend" });
    expect(known(alice)).toEqual({ kind: "player", userId: "alice" });

    await local.gameServer(gameServer);
    expect(known(gameServer)).toBeUndefined();
    expect(await codeOf(local.caller(gameServer))).toBe(Code.PermissionDenied);
    for (const header of [null, "", "Basic dXNlcjpwYXNz", "Bearer not.a.token"]) expect(known(header)).toBeUndefined();

    clock.advanceSeconds(60);
    expect(known(alice)).toBeUndefined();
    expect(await codeOf(local.caller(alice))).toBe(Code.Unauthenticated);
    expect(known(backend)).toEqual({ kind: "service", subject: "lobby-backend" });
  });
});
