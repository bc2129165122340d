import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { GameServerRegistryService } from "../../src/gen/gameserver/v1/registry_pb.js";
import { cleanupAfterEach } from "../support/lifecycle.ts";

const onCleanup = cleanupAfterEach();

/** Starts `src/registry/main.ts` with the Node that runs the tests and resolves the port it logs. */
async function startCommand(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["src/registry/main.ts"], {
    env: { ...process.env, REGISTRY_HOST: "127.0.0.1", REGISTRY_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  onCleanup(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  if (!child.stdout) throw new Error("the registry's stdout is not piped");
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === "game-server registry listening" && entry.port) return { child, port: entry.port };
  }
  throw new Error("the registry exited before listening");
}

describe("npm run registry", () => {
  it("serves the registry with the configured strategy and stops on SIGTERM", async () => {
    const { child, port } = await startCommand({ REGISTRY_STRATEGY: "distributed" });
    const sessionManager = new Http2SessionManager(`http://127.0.0.1:${port}`);
    onCleanup(() => sessionManager.abort());
    const client = createClient(GameServerRegistryService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}`, sessionManager }));

    await client.registerServer({ serverId: "gs-1", address: { host: "127.0.0.1", port: 7777 }, region: "local", capacity: 1 });
    await expect(client.allocate({ matchId: "m1", queue: "q", region: "local", playerCount: 2 })).resolves.toMatchObject({
      serverId: "gs-1",
    });
    const refused = await client.allocate({ matchId: "m2", queue: "q", region: "local", playerCount: 2 }).catch((error: unknown) => error);
    expect(ConnectError.from(refused).code).toBe(Code.ResourceExhausted);

    sessionManager.abort();
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
  });
});
