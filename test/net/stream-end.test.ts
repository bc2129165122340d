import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { onStreamEnd } from "../../src/net/stream-end.ts";

async function* values(...items: string[]): AsyncGenerator<string, void, undefined> {
  yield* items;
}

async function* failingAfter(item: string): AsyncGenerator<string, void, undefined> {
  yield item;
  throw new Error("store unreachable");
}

/** Wraps `source` as two interceptors would, noting each report as `[name, how it ended]`. */
function reportedTwice(source: AsyncIterable<string>) {
  const reports: [string, unknown][] = [];
  const inner = onStreamEnd(source, (error) => reports.push(["inner", error]));
  const outer = onStreamEnd(inner, (error) => reports.push(["outer", error]));
  return { inner, outer, reports };
}

describe("onStreamEnd", () => {
  it("reports a completed stream once to every interceptor that asked, inner first, through one wrapper", async () => {
    const { inner, outer, reports } = reportedTwice(values("a", "b"));
    expect(outer).toBe(inner);
    expect(await outer.next()).toEqual({ done: false, value: "a" });
    expect(await outer.next()).toEqual({ done: false, value: "b" });
    expect(reports).toEqual([]);
    expect(await outer.next()).toEqual({ done: true, value: undefined });
    expect(await outer.next()).toEqual({ done: true, value: undefined });
    expect(reports).toEqual([
      ["inner", undefined],
      ["outer", undefined],
    ]);
  });

  it("reports the source's error to each, and passes it on", async () => {
    const { outer, reports } = reportedTwice(failingAfter("a"));
    expect(await outer.next()).toEqual({ done: false, value: "a" });
    await expect(outer.next()).rejects.toThrow("store unreachable");
    expect(reports.map(([name, error]) => [name, (error as Error).message])).toEqual([
      ["inner", "store unreachable"],
      ["outer", "store unreachable"],
    ]);
  });

  it("reports CANCELED to each when the consumer stops first", async () => {
    const { outer, reports } = reportedTwice(values("a", "b"));
    expect(await outer.next()).toEqual({ done: false, value: "a" });
    await outer.return?.();
    expect(reports.map(([name, error]) => [name, ConnectError.from(error).code])).toEqual([
      ["inner", Code.Canceled],
      ["outer", Code.Canceled],
    ]);
  });

  it("wraps again a stream whose end was already reported", async () => {
    const inner = onStreamEnd(values(), () => {});
    expect(await inner.next()).toEqual({ done: true, value: undefined });
    const late: unknown[] = [];
    const outer = onStreamEnd(inner, (error) => late.push(error));
    expect(outer).not.toBe(inner);
    expect(await outer.next()).toEqual({ done: true, value: undefined });
    expect(late).toEqual([undefined]);
  });
});
