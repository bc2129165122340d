import { describe, expect, it } from "vitest";
import { cleanupAfterEach } from "../support/lifecycle.ts";
import { startServerHarness, type ServerHarness } from "../support/server-harness.ts";
import { ScriptedFleet } from "../support/test-fleet.ts";

const cleanup = cleanupAfterEach();

async function start(fleet = new ScriptedFleet()): Promise<{ harness: ServerHarness; adminUrl: string }> {
  const harness = await startServerHarness({ fleet, adminPort: true });
  cleanup(() => harness.close());
  return { harness, adminUrl: `http://127.0.0.1:${harness.app.adminPort}` };
}

async function request(url: string, method = "GET"): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { method });
  return { status: response.status, body: await response.text() };
}

describe("the admin port", () => {
  it("serves metrics and probes, and takes /metrics off the public HTTP port", async () => {
    const { harness, adminUrl } = await start();
    const metrics = await request(`${adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('matchmaker_tickets_waiting{queue="duel",region="eu-west"} 0');
    expect(await request(`${adminUrl}/healthz`)).toMatchObject({ status: 200 });
    expect(await request(`${adminUrl}/readyz`)).toEqual({ status: 200, body: JSON.stringify({ ready: true, draining: false, storeReachable: true }) });

    expect((await request(`${harness.httpUrl}/metrics`)).status).toBe(404);
    // Load balancers in front of the public port keep their probes.
    expect((await request(`${harness.httpUrl}/readyz`)).status).toBe(200);
    expect((await request(`${harness.httpUrl}/healthz`)).status).toBe(200);
  });

  it("answers 404 to anything but a GET of its routes: no RPC is served there", async () => {
    const { adminUrl } = await start();
    expect(await request(`${adminUrl}/metrics`, "POST")).toEqual({ status: 404, body: "not found" });
    expect((await request(`${adminUrl}/matchmaking.v1.MatchmakingService/ListQueues`, "POST")).status).toBe(404);
    expect((await request(`${adminUrl}/console/`)).status).toBe(404);
  });

  it("stays up through a drain, so probes see it, and closes with the server", async () => {
    const fleet = new ScriptedFleet();
    const { harness, adminUrl } = await start(fleet);
    const client = harness.grpcClient(await harness.bearer("service", "game-backend"));
    for (const userId of ["a", "b"]) await client.enqueue({ queue: "duel", players: [{ userId, skill: 1000 }], latencyMs: { "eu-west": 20 } });
    let allocate!: () => void;
    fleet.gate = new Promise((resolve) => {
      allocate = resolve;
    });
    const passing = harness.app.runPass();
    // The pass has claimed the match once its allocation request is out.
    await expect.poll(() => fleet.requests.length).toBe(1);

    const closing = harness.app.close();
    expect(await request(`${adminUrl}/readyz`)).toEqual({ status: 503, body: JSON.stringify({ ready: false, draining: true, storeReachable: true }) });
    expect((await request(`${adminUrl}/metrics`)).status).toBe(200);
    allocate();
    await closing;
    await passing;
    await expect(fetch(`${adminUrl}/healthz`)).rejects.toThrow();
  });
});
