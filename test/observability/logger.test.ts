import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const LOGGER = fileURLToPath(new URL("../../src/observability/logger.ts", import.meta.url));

/**
 * A process that fills its stdout pipe (nobody reads it yet), logs one line, and exits with code 3
 * once the logger says its lines are out.
 */
const LAST_WORDS = `
import { writeSync } from "node:fs";
import { createLogger } from ${JSON.stringify(LOGGER)};
const { logger, close } = createLogger("info");
process.stdout;
try { for (;;) writeSync(1, "x".repeat(1000) + "\\n"); } catch {}
try { for (;;) writeSync(1, "\\n"); } catch {}
logger.error("shutdown grace period over; exiting with work unfinished");
close(() => process.exit(3));
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("createLogger", () => {
  it("gets the last line out before the process exits, however late stdout is read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "last-words-"));
    dirs.push(dir);
    const script = join(dir, "last-words.mjs");
    writeFileSync(script, LAST_WORDS);
    // The reader starts 300 ms late, as a log shipper that is busy may: a process that exited at
    // once would have lost the line still waiting behind the full pipe by then.
    const { stdout } = await promisify(execFile)("bash", ["-c", `set -o pipefail; "${process.execPath}" "${script}" | (sleep 0.3; cat) || echo "exit $?"`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const lines = stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("exit 3");
    expect(JSON.parse(lines.at(-2)!)).toMatchObject({ level: 50, msg: "shutdown grace period over; exiting with work unfinished", service: "matchmaker" });
  });

  it("logs an error's causes as nested objects, not appended to its message (ours already quote them)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "error-causes-"));
    dirs.push(dir);
    const script = join(dir, "error-causes.mjs");
    writeFileSync(
      script,
      `import { createLogger } from ${JSON.stringify(LOGGER)};
const { logger, close } = createLogger("info");
const refused = new Error("connect ECONNREFUSED");
const gaveUp = new Error("[unavailable] connect ECONNREFUSED (after 5 attempts)", { cause: refused });
logger.warn({ err: new Error('fleet "main": allocation failed: [unavailable] connect ECONNREFUSED (after 5 attempts)', { cause: gaveUp }) }, "allocation failed");
close(() => process.exit(0));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [script]);
    const line = JSON.parse(stdout.trim()) as { err: { message: string; cause: { message: string; cause: { message: string } } } };

    expect(line.err.message).toBe('fleet "main": allocation failed: [unavailable] connect ECONNREFUSED (after 5 attempts)');
    expect(line.err.cause.message).toBe("[unavailable] connect ECONNREFUSED (after 5 attempts)");
    expect(line.err.cause.cause.message).toBe("connect ECONNREFUSED");
  });
});
