import { describe, expect, it } from "vitest";
import { traceIdOf } from "../../src/net/traceparent.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

describe("traceIdOf (W3C traceparent)", () => {
  it.each([
    [`00-${TRACE}-${PARENT}-01`, TRACE],
    [`00-${TRACE}-${PARENT}-00`, TRACE],
    [` 00-${TRACE}-${PARENT}-01 `, TRACE],
    // A later version may append fields.
    [`01-${TRACE}-${PARENT}-01-what-comes-next`, TRACE],
  ])("reads %s", (header, traceId) => {
    expect(traceIdOf(header)).toBe(traceId);
  });

  it.each([
    ["absent", null],
    ["empty", ""],
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
    ["version 00 with extra fields", `00-${TRACE}-${PARENT}-01-extra`],
    ["all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["uppercase hex", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ["short trace id", `00-${TRACE.slice(1)}-${PARENT}-01`],
    ["missing flags", `00-${TRACE}-${PARENT}`],
  ])("ignores %s", (_case, header) => {
    expect(traceIdOf(header)).toBeUndefined();
  });
});
