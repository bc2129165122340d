import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.ts";
import { flag, integer, oneOf, optionalSecret, optionalText, optionalUrl, text } from "../../src/config/env.ts";

describe("environment readers", () => {
  it("trim text and treat blank values as unset", () => {
    expect(optionalText({ A: "  value " }, "A")).toBe("value");
    expect(optionalText({ A: "   " }, "A")).toBeUndefined();
    expect(text({ A: "" }, "A", "fallback")).toBe("fallback");
  });

  it("keep a secret byte for byte, only an empty one counting as unset", () => {
    expect(optionalSecret({ S: " padded secret " }, "S")).toBe(" padded secret ");
    expect(optionalSecret({ S: "" }, "S")).toBeUndefined();
  });

  it("accept only decimal digits within the range for an integer", () => {
    const setting = { fallback: 7, min: 1, max: 100 };
    expect(integer({}, "N", setting)).toBe(7);
    expect(integer({ N: " 42 " }, "N", setting)).toBe(42);
    for (const value of ["0x10", "1e2", "1.5", "-1", "ten"]) {
      expect(() => integer({ N: value }, "N", setting)).toThrow(`N: must be a whole number, got "${value}"`);
    }
    expect(() => integer({ N: "101" }, "N", setting)).toThrow("N: must be between 1 and 100, got 101");
    expect(() => integer({ N: "0x10" }, "N", { ...setting, expected: "a count" })).toThrow('N: must be a count, got "0x10"');
  });

  it("accept one of the listed words and exactly true or false for a flag", () => {
    expect(oneOf({ W: "b" }, "W", "a", ["a", "b"])).toBe("b");
    expect(() => oneOf({ W: "c" }, "W", "a", ["a", "b"])).toThrow('W: must be one of a, b, got "c"');
    expect(flag({}, "F", true)).toBe(true);
    expect(flag({ F: "false" }, "F", true)).toBe(false);
    expect(() => flag({ F: "yes" }, "F", false)).toThrow(ConfigError);
  });

  it("accept an absolute URL with a host and one of the allowed schemes", () => {
    expect(optionalUrl({}, "U")).toBeUndefined();
    expect(optionalUrl({ U: "rediss://cache:6380/1" }, "U", ["redis:", "rediss:"])?.host).toBe("cache:6380");
    expect(() => optionalUrl({ U: "not a url" }, "U")).toThrow('U: "not a url" is not a URL');
    expect(() => optionalUrl({ U: "localhost:6379" }, "U", ["redis:", "rediss:"])).toThrow(
      'U: must be a redis:// or rediss:// URL, got "localhost:6379"',
    );
    expect(() => optionalUrl({ U: "redis://" }, "U", ["redis:"])).toThrow('U: "redis://" has no host');
  });
});
