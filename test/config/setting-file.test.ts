import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSettingFile, readSettingFileIfExists } from "../../src/config/setting-file.ts";
import { configErrorOf } from "../support/rejection.ts";

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "setting-file-"));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe("readSettingFile", () => {
  it("returns the file's text", () => {
    const path = join(directory, "ca.pem");
    writeFileSync(path, "PEM TEXT\n");

    expect(readSettingFile("fleets.eu.tls.caFile", path)).toBe("PEM TEXT\n");
  });

  it("names the setting, the path and the operating system's reason", () => {
    const path = join(directory, "missing.pem");

    const error = configErrorOf(() => readSettingFile("fleets.eu.tls.caFile", path));

    expect(error.key).toBe("fleets.eu.tls.caFile");
    expect(error.message).toBe(`fleets.eu.tls.caFile: cannot read "${path}": ENOENT: no such file or directory, open '${path}'`);
    expect(error.cause).toMatchObject({ code: "ENOENT" });
  });
});

describe("readSettingFileIfExists", () => {
  it("returns the text of a file and undefined for no file", () => {
    const path = join(directory, "secret");
    writeFileSync(path, "s3cret");

    expect(readSettingFileIfExists("MATCHMAKER_DEV_SECRET_FILE", path)).toBe("s3cret");
    expect(readSettingFileIfExists("MATCHMAKER_DEV_SECRET_FILE", join(directory, "absent"))).toBeUndefined();
  });

  it("still reports a path that exists but cannot be read", () => {
    const error = configErrorOf(() => readSettingFileIfExists("MATCHMAKER_DEV_SECRET_FILE", directory));

    expect(error.message).toBe(`MATCHMAKER_DEV_SECRET_FILE: cannot read "${directory}": EISDIR: illegal operation on a directory, read`);
    expect(error.cause).toMatchObject({ code: "EISDIR" });
  });
});
