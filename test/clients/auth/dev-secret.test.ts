import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateDevSecret } from "../../../src/clients/auth/dev-secret.ts";
import { ConfigError } from "../../../src/config/config-error.ts";
import { createTempDirectory, type TempDirectory } from "./support/keys.ts";

let directory: TempDirectory;

beforeEach(async () => {
  directory = await createTempDirectory();
});

afterEach(async () => {
  await directory.remove();
});

describe("loadOrCreateDevSecret", () => {
  it("creates a random secret readable only by the owner, in a private directory", async () => {
    const file = join(directory.path, ".matchmaker", "dev-secret");

    const secret = loadOrCreateDevSecret(file);

    expect(new TextDecoder().decode(secret)).toBe((await readFile(file, "utf8")).trim());
    expect(Buffer.from(new TextDecoder().decode(secret), "base64url").byteLength).toBe(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(directory.path, ".matchmaker"))).mode & 0o777).toBe(0o700);
  });

  it("reuses the existing secret and differs between checkouts", () => {
    const first = join(directory.path, "a");
    const other = join(directory.path, "b");

    expect(loadOrCreateDevSecret(first)).toEqual(loadOrCreateDevSecret(first));
    expect(loadOrCreateDevSecret(other)).not.toEqual(loadOrCreateDevSecret(first));
  });

  it("refuses a secret file that is too short, naming the variable", async () => {
    const file = join(directory.path, "short");
    await writeFile(file, "tiny\n");

    expect(() => loadOrCreateDevSecret(file)).toThrow(ConfigError);
    expect(() => loadOrCreateDevSecret(file)).toThrow(/MATCHMAKER_DEV_SECRET_FILE: .*delete the file/);
  });

  it("reports a location it cannot write to", async () => {
    const blocker = await directory.write("not-a-directory", "");

    const file = join(blocker, "dev-secret");
    expect(() => loadOrCreateDevSecret(file)).toThrow(`MATCHMAKER_DEV_SECRET_FILE: cannot read "${file}": ENOTDIR`);
  });
});
