import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** A matchmaker running as its own process (`node src/main.ts`), as in production. */
export interface MatchmakerProcess {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly instanceId: string;
  readonly child: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: readonly Record<string, unknown>[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Processes still running, killed when the test process exits so a failed test leaves none behind. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts `node src/main.ts` with Node 24 and `env` (ports default to 0) and resolves once its
 * "matchmaker started" log line names the ports it listens on.
 */
export async function spawnMatchmaker(env: Record<string, string>, args: readonly string[] = []): Promise<MatchmakerProcess> {
  const child = spawn("node_modules/.bin/node", ["src/main.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", MATCHMAKER_GRPC_PORT: "0", MATCHMAKER_HTTP_PORT: "0", MATCHMAKER_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === "matchmaker started") resolve(entry);
    });
    void exited.then((code) => reject(new Error(`matchmaker exited with ${code} before starting: ${stderr}`)));
  });
  const entry = await started;
  return {
    grpcPort: Number(entry.grpcPort),
    httpPort: Number(entry.httpPort),
    instanceId: String(entry.instanceId),
    child,
    logs,
    exited,
    kill: (signal) => child.kill(signal),
  };
}
