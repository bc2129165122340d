/**
 * `npm run bench` runs every benchmark; `npm run bench -- <name> [<name>...]` runs some. Each runs
 * in a fresh process (heap figures must not carry the previous benchmark's garbage) with `gc`
 * exposed, one after the other so that they never compete for the cores.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BENCHMARKS = ["grpc-enqueue", "connect-http1", "matching-engine", "watch-streams", "end-to-end", "redis-pass", "allocation-limit", "matching-pass", "fleet-call"] as const;

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(", ")}; choose from: ${BENCHMARKS.join(", ")}\n`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : BENCHMARKS) {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const { status } = spawnSync(process.execPath, ["--expose-gc", script], { stdio: "inherit" });
  if (status !== 0) {
    process.stderr.write(`benchmark ${name} failed (exit ${status})\n`);
    process.exit(1);
  }
}
