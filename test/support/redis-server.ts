import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throwaway redis-server child process on a free loopback port, with nothing persisted. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (its data is gone: nothing is persisted) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts an empty server again on the same port. */
  restart(): Promise<void>;
  /** The server process's id, for a benchmark that measures its CPU. */
  readonly pid: number | undefined;
}

/** Servers still running, killed when the test process exits so a failed test leaves none behind. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Settings of a throwaway server beyond the defaults. */
export interface RedisServerOptions {
  /** Runs it as a Redis Cluster node (its cluster state kept in a file of the system's temporary directory). */
  readonly clusterNode?: boolean;
}

/** Starts `redis-server` on a free port and resolves once it accepts connections. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const args = options.clusterNode === true ? ["--cluster-enabled", "yes", "--cluster-config-file", join(tmpdir(), `redis-cluster-node-${port}.conf`)] : [];
  let child = await launch(port, args);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await terminate(child);
    },
    async restart() {
      await terminate(child);
      child = await launch(port, args);
    },
    get pid() {
      return child.pid;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

async function launch(port: number, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server exited with code ${code}: ${output}`)));
  });
  await ready;
  running.add(child);
  child.once("exit", () => running.delete(child));
  // Keep draining output so the child never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}
