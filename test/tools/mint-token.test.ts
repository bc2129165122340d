import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAuthConfig } from "../../src/clients/auth/auth-config.ts";
import { callerFromToken } from "../../src/clients/auth/bearer.ts";
import { createTokenVerifier } from "../../src/clients/auth/token-verifier.ts";
import { TEST_SECRET, createTempDirectory, type TempDirectory } from "../clients/auth/support/keys.ts";

const NODE = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/tools/mint-token.ts", import.meta.url));

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with Node 24 in `cwd`, with only PATH and the given variables in its environment. */
function runMintCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(NODE, [CLI, ...args], { cwd, env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) => {
      resolve({ exitCode: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
    });
  });
}

let directory: TempDirectory;

beforeAll(async () => {
  directory = await createTempDirectory();
});

afterAll(async () => {
  await directory.remove();
});

describe("npm run token", () => {
  it("signs with the development secret, which a development-mode server accepts", async () => {
    const run = await runMintCli(["player", "alice", "--ttl", "120"], directory.path);

    expect(run).toMatchObject({ exitCode: 0, stderr: "" });
    const secretFile = join(directory.path, ".matchmaker", "dev-secret");
    const verifier = createTokenVerifier(loadAuthConfig({ MATCHMAKER_DEV_SECRET_FILE: secretFile }, { development: true }));
    expect(callerFromToken(await verifier.verify(run.stdout.trim()))).toEqual({
      kind: "player",
      userId: "alice",
    });
  });

  it("signs with the configured secret, issuer and audience", async () => {
    const env = {
      MATCHMAKER_AUTH_HS256_SECRET: TEST_SECRET,
      MATCHMAKER_AUTH_ISSUER: "https://id.studio.example",
      MATCHMAKER_AUTH_AUDIENCE: "matchmaker",
    };

    const run = await runMintCli(["service", "my-backend"], directory.path, env);

    expect(run.exitCode).toBe(0);
    const verifier = createTokenVerifier(loadAuthConfig(env, { development: false }));
    expect(callerFromToken(await verifier.verify(run.stdout.trim()))).toEqual({
      kind: "service",
      subject: "my-backend",
    });
  });

  it.each([[["admin", "alice"]], [["player"]], [["player", "alice", "--ttl", "0"]], [["player", "a", "b"]]])(
    "prints the usage for %j and exits with 2",
    async (args) => {
      const run = await runMintCli(args, directory.path);

      expect(run).toMatchObject({ exitCode: 2, stdout: "" });
      expect(run.stderr).toContain("usage: npm run -s token --");
    },
  );

  it("explains that it needs a shared secret when only a JWKS is configured", async () => {
    const run = await runMintCli(["player", "alice"], directory.path, {
      MATCHMAKER_AUTH_JWKS_URL: "https://id.studio.example/jwks",
    });

    expect(run).toMatchObject({ exitCode: 1, stdout: "" });
    expect(run.stderr).toContain("MATCHMAKER_AUTH_HS256_SECRET: is not set");
  });
});
