import { describe, expect, it } from "vitest";
import { createContextKey, createContextValues, type ContextValues } from "@connectrpc/connect";
import { CallValues } from "../../src/net/call-values.ts";

const caller = createContextKey<string | undefined>(undefined, { description: "caller" });
const attempts = createContextKey(1, { description: "attempts" });
const sameDescription = createContextKey("default", { description: "caller" });

/** What a sequence of sets, reads and deletes shows, for either implementation. */
function story(values: ContextValues): unknown[] {
  const seen: unknown[] = [values.get(caller), values.get(attempts), values.get(sameDescription)];
  expect(values.set(caller, "alice").set(attempts, 3)).toBe(values);
  seen.push(values.get(caller), values.get(attempts), values.get(sameDescription));
  values.set(caller, undefined);
  seen.push(values.get(caller));
  expect(values.delete(attempts)).toBe(values);
  seen.push(values.get(attempts), values.get(caller));
  return seen;
}

describe("CallValues", () => {
  it("keeps values as connect's createContextValues does: by key, defaults when absent, set undefined is kept", () => {
    expect(story(new CallValues())).toEqual(story(createContextValues()));
    expect(story(new CallValues())).toEqual([undefined, 1, "default", "alice", 3, "default", undefined, 1, undefined]);
  });

  it("keeps every call's values apart", () => {
    const first = new CallValues().set(caller, "alice");
    expect(new CallValues().get(caller)).toBeUndefined();
    expect(first.get(caller)).toBe("alice");
  });
});
