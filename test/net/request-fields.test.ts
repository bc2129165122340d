import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/application/errors.ts";
import { optionalText, requireText, textProblem } from "../../src/net/request-fields.ts";

describe("request text fields", () => {
  it("refuses exactly the control and invisible characters (Cc, Cf, Default_Ignorable_Code_Point), as /\\p{...}/u finds them", () => {
    const refused: number[] = [];
    const expected: number[] = [];
    for (let unit = 0; unit <= 0xffff; unit++) {
      // Lone surrogates stay unpaired here; they are neither.
      const text = `id${String.fromCharCode(unit)}`;
      if (/\p{Cc}|\p{Cf}|\p{Default_Ignorable_Code_Point}/u.test(text)) expected.push(unit);
      if (textProblem(text, 128, true) !== undefined) refused.push(unit);
    }
    expect(refused).toEqual(expected);
    expect(textProblem("alice\u200b", 128, true)).toBe("must not contain invisible characters (Unicode category Cf or Default_Ignorable_Code_Point, such as U+200B, U+202E or U+034F)");
    expect(textProblem("c\u034f", 128, true)).toMatch(/invisible characters/);
    // Astral characters (surrogate pairs) are refused only when formatting (tags, U+E0001).
    expect(textProblem("player-\u{1F600}", 128, true)).toBeUndefined();
    expect(textProblem("player-\u{E0001}", 128, true)).toMatch(/invisible characters/);
  });

  it("counts characters as code points: an emoji is one", () => {
    expect(textProblem("\u{1F600}".repeat(128), 128, true)).toBeUndefined();
    expect(textProblem("\u{1F600}".repeat(129), 128, true)).toBe("must be at most 128 characters (got 129)");
  });

  it("names the first problem: missing, then too long, then control characters", () => {
    expect(textProblem("", 4, true)).toBe("is required");
    expect(textProblem("", 4, false)).toBeUndefined();
    expect(textProblem("abcde\u0000", 4, true)).toBe("must be at most 4 characters (got 6)");
    expect(textProblem("a\u0085", 4, false)).toBe("must not contain control characters");
  });

  it("throws the problem as an invalid argument of the named field", () => {
    expect(() => requireText("", "queue", 64)).toThrow(new InvalidArgumentError("queue", "is required"));
    expect(() => optionalText("x\n", "party_id", 64)).toThrow(new InvalidArgumentError("party_id", "must not contain control characters"));
    expect(requireText("duel", "queue", 64)).toBe("duel");
    expect(optionalText("", "party_id", 64)).toBe("");
  });
});
