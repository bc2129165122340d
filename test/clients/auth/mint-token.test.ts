import { describe, expect, it } from "vitest";
import { callerFromToken } from "../../../src/clients/auth/bearer.ts";
import { mintToken } from "../../../src/clients/auth/mint-token.ts";
import { GAME_SERVER_SCOPE } from "../../../src/clients/auth/scopes.ts";
import { TEST_SECRET, TEST_SECRET_BYTES } from "./support/keys.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { productionVerifier } from "./support/verifier.ts";

describe("mintToken", () => {
  const clock = new ManualClock();
  const env = {
    MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET,
    MATCHMAKER_AUTH_ISSUER: "https://id.studio.example",
    MATCHMAKER_AUTH_AUDIENCE: "matchmaker",
  };
  const verifier = productionVerifier(env, clock);
  const common = { secret: TEST_SECRET_BYTES, issuer: env.MATCHMAKER_AUTH_ISSUER, audience: "matchmaker", clock };

  it("mints player and service tokens the verifier maps to callers", async () => {
    const player = await mintToken({ ...common, role: "player", subject: "alice" });
    const service = await mintToken({ ...common, role: "service", subject: "lobby" });

    expect(callerFromToken(await verifier.verify(player))).toEqual({ kind: "player", userId: "alice" });
    expect(callerFromToken(await verifier.verify(service))).toEqual({ kind: "service", subject: "lobby" });
  });

  it("grants game servers their scope", async () => {
    const verified = await verifier.verify(await mintToken({ ...common, role: "gameserver", subject: "gs-1" }));

    expect(verified.subject).toBe("gs-1");
    expect([...verified.scopes]).toEqual([GAME_SERVER_SCOPE]);
  });

  it("expires after the requested lifetime, one hour by default", async () => {
    const short = await verifier.verify(await mintToken({ ...common, role: "player", subject: "a", ttlSeconds: 5 }));
    const standard = await verifier.verify(await mintToken({ ...common, role: "player", subject: "b" }));

    expect(short.expiresAt - clock.now()).toBe(5_000);
    expect(standard.expiresAt - clock.now()).toBe(3_600_000);
  });
});
