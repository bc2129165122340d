import { describe, expect, it } from "vitest";
import { LazyHeaders, type HeaderFields } from "../../src/net/lazy-headers.ts";

/** Fields as node:http2 hands them over: pseudo-headers, a repeated field, stray whitespace. */
const FIELDS: HeaderFields = {
  ":method": "POST",
  ":path": "/matchmaking.v1.MatchmakingService/Enqueue",
  "content-type": "application/grpc",
  authorization: "Bearer abc",
  "x-repeated": ["one", "two"],
  "x-padded": " value\t",
  "x-absent": undefined,
};

/** The Headers the fields stand for, built the way connect's context builds them. */
function reference(): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(FIELDS)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const item of typeof value === "string" ? [value] : value) headers.append(name, item);
  }
  return headers;
}

const reads = (headers: Headers): unknown[] => [
  headers.get("authorization"),
  headers.get("Authorization"),
  headers.get("x-repeated"),
  headers.get("x-padded"),
  headers.get("x-absent"),
  headers.get("missing"),
  headers.get("__proto__"),
  headers.get("constructor"),
  headers.has("content-type"),
  headers.has("CONTENT-TYPE"),
  headers.has("missing"),
];

describe("LazyHeaders reads and writes like the Headers of its fields", () => {
  it("answers reads, whatever the spelling of the name, without pseudo-headers", () => {
    expect(reads(new LazyHeaders(FIELDS))).toEqual(reads(reference()));
  });

  it("answers reads of present and absent fields without building a Headers", () => {
    const lazy = new LazyHeaders(FIELDS);
    expect([lazy.get("authorization"), lazy.get("traceparent"), lazy.has("x-absent")]).toEqual(["Bearer abc", null, false]);
    // Until something changes or lists the fields, they are read where they are: a change to them shows.
    const fields: Record<string, string> = { authorization: "Bearer abc" };
    const view = new LazyHeaders(fields);
    view.get("authorization");
    view.get("traceparent");
    fields["authorization"] = "Bearer changed";
    expect(view.get("authorization")).toBe("Bearer changed");
  });

  it("tells whether any field is set, before and after changes", () => {
    expect(new LazyHeaders(FIELDS).isEmpty()).toBe(false);
    // Pseudo-headers and absent fields are not fields of the Headers.
    const none = new LazyHeaders({ ":path": "/x", "x-absent": undefined });
    expect(none.isEmpty()).toBe(true);
    none.set("x-trailer", "done");
    expect(none.isEmpty()).toBe(false);
    none.delete("x-trailer");
    expect(none.isEmpty()).toBe(true);
  });

  it("lists the same fields in the same (sorted) order", () => {
    const lazy = new LazyHeaders(FIELDS);
    expect([...lazy]).toEqual([...reference()]);
    expect([...new LazyHeaders(FIELDS).keys()]).toEqual([...reference().keys()]);
    expect([...new LazyHeaders(FIELDS).values()]).toEqual([...reference().values()]);
    expect([...new LazyHeaders(FIELDS).entries()]).toEqual([...reference().entries()]);
    const seen: unknown[] = [];
    lazy.forEach(function (this: unknown, value, name, headers) {
      seen.push([name, value, headers === lazy, this]);
    }, "this");
    expect(seen).toEqual([...reference()].map(([name, value]) => [name, value, true, "this"]));
  });

  it("applies changes, and reads them back", () => {
    const lazy = new LazyHeaders(FIELDS);
    const headers = reference();
    for (const target of [lazy, headers]) {
      target.set("authorization", "Bearer other");
      target.append("x-repeated", "three");
      target.delete("content-type");
      target.append("set-cookie", "a=1");
      target.append("set-cookie", "b=2");
    }
    expect(reads(lazy)).toEqual(reads(headers));
    expect([...lazy]).toEqual([...headers]);
    expect(lazy.getSetCookie()).toEqual(["a=1", "b=2"]);
  });

  it("refuses invalid names as Headers does", () => {
    const lazy = new LazyHeaders(FIELDS);
    expect(() => lazy.get(":path")).toThrow(TypeError);
    expect(() => lazy.get("bad name")).toThrow(TypeError);
    expect(() => lazy.has("bad name")).toThrow(TypeError);
    expect(() => lazy.set("x-ok", "line\nbreak")).toThrow(TypeError);
  });

  it("feeds a Headers constructor", () => {
    expect([...new Headers(new LazyHeaders(FIELDS))]).toEqual([...reference()]);
  });

  it("gives node:http2 a plain object, before and after changes", () => {
    const untouched = new LazyHeaders({ "content-type": "application/grpc+proto" });
    expect(untouched.toObject()).toEqual({ "content-type": "application/grpc+proto" });
    const changed = new LazyHeaders({ "grpc-status": "0" });
    changed.set("grpc-status", "3");
    changed.set("X-Trailer", "done");
    expect(changed.toObject()).toEqual({ "grpc-status": "3", "x-trailer": "done" });
  });
});
