import { describe, expect, it } from "vitest";
import { QueueListing, type ChangeLogEntry, type ChangeLogHead, type QueuedChange } from "../../src/storage/redis/queue-listing.ts";
import { seededRandom } from "../support/seeded-random.ts";

/** Log entry `seq`, holding `changes` (as one store script would log them). */
const entry = (seq: number, ...changes: QueuedChange[]): ChangeLogEntry => ({
  seq,
  text: changes.map((change) => (change.added ? `+${change.createdAt}:${change.id}` : `-${change.id}`)).join("\n"),
  changes,
});
/** Log entry `seq` adding one ticket, or removing one. */
const add = (seq: number, id: string, createdAt: number): ChangeLogEntry => entry(seq, { added: true, id, createdAt });
const remove = (seq: number, id: string): ChangeLogEntry => entry(seq, { added: false, id, createdAt: 0 });

/** Change 3 of the log, the last one the listings below saw when they were made. */
const SEEN = remove(3, "gone");

/** A listing of `entries` (already in the set's order) made at change 3 of epoch "e1". */
function listing(entries: readonly [string, number][], head: ChangeLogHead = { epoch: "e1", seq: 3 }, seen: ChangeLogEntry | undefined = SEEN): QueueListing {
  const made = QueueListing.whole(
    head,
    seen,
    entries.map(([id]) => id),
    0,
  );
  // As a pass that found every listed ticket's document would.
  made.learnCreatedAt(
    entries.map(([id]) => ({ id })),
    Float64Array.from(entries, ([, createdAt]) => createdAt),
  );
  return made;
}

/** The log as a pass reads it: from the change the listing saw on. */
const logFrom = (...entries: ChangeLogEntry[]): ChangeLogEntry[] => [SEEN, ...entries];

describe("QueueListing", () => {
  it("inserts added tickets in the sorted set's order (by createdAt, then id) and drops removed ones", () => {
    const kept = listing([
      ["b", 10],
      ["d", 10],
      ["f", 20],
    ]);
    const changes = logFrom(add(4, "z", 30), add(5, "a", 5), remove(6, "d"), add(7, "c", 10), add(8, "e", 20));
    expect(kept.readFrom).toBe("0-3");
    expect(kept.follow({ epoch: "e1", seq: 8 }, changes, 6)).toBe(true);
    expect(kept.ids).toEqual(["a", "b", "c", "e", "f", "z"]);
    expect(kept.seq).toBe(8);
  });

  it("reads an id's changes by their first and last: re-added stays in place, added then removed never shows", () => {
    const kept = listing([
      ["a", 1],
      ["b", 2],
    ]);
    const changes = logFrom(remove(4, "a"), add(5, "x", 3), add(6, "a", 1), remove(7, "x"), remove(8, "b"), add(9, "b", 2), remove(10, "b"));
    expect(kept.follow({ epoch: "e1", seq: 10 }, changes, 1)).toBe(true);
    expect(kept.ids).toEqual(["a"]);
  });

  it("applies the changes of one entry (one script's) in their order", () => {
    const kept = listing([["a", 1]]);
    const claim = entry(4, { added: false, id: "a", createdAt: 0 }, { added: true, id: "b", createdAt: 2 }, { added: false, id: "b", createdAt: 0 });
    const requeue = entry(5, { added: true, id: "a", createdAt: 1 }, { added: true, id: "c", createdAt: 0 });
    expect(kept.follow({ epoch: "e1", seq: 5 }, logFrom(claim, requeue), 2)).toBe(true);
    expect(kept.ids).toEqual(["c", "a"]);
    expect(kept.readFrom).toBe("0-5");
  });

  it("follows no changes when there are none", () => {
    const kept = listing([["a", 1]]);
    expect(kept.follow({ epoch: "e1", seq: 3 }, logFrom(), 1)).toBe(true);
    expect(kept.ids).toEqual(["a"]);
  });

  it("reads from the start a log it saw no change of, and from its last change after following", () => {
    const kept = listing([], { epoch: "e1", seq: 0 }, undefined);
    expect(kept.readFrom).toBe("-");
    expect(kept.follow({ epoch: "e1", seq: 2 }, [add(1, "a", 1), add(2, "b", 2)], 2)).toBe(true);
    expect(kept.readFrom).toBe("0-2");
    // The next read starts at change 2, which must still be the one followed.
    expect(kept.follow({ epoch: "e1", seq: 3 }, [add(2, "other", 2), remove(3, "a")], 1)).toBe(false);
    expect(kept.follow({ epoch: "e1", seq: 3 }, [add(2, "b", 2), remove(3, "a")], 1)).toBe(true);
    expect(kept.ids).toEqual(["b"]);
  });

  it("follows no log begun after it was made: it cannot know whether an earlier one came and went", () => {
    const kept = listing([["a", 1]], { epoch: undefined, seq: 0 }, undefined);
    expect(kept.follow({ epoch: "e1", seq: 1 }, [add(1, "b", 2)], 2)).toBe(false);
    expect(kept.ids).toEqual(["a"]);
  });

  it("follows the log only once it knows its tickets' creation times, and places them by those", () => {
    const kept = QueueListing.whole({ epoch: "e1", seq: 3 }, SEEN, ["a", "gone", "c"], 0);
    expect(kept.follow({ epoch: "e1", seq: 3 }, logFrom(), 3)).toBe(false);
    // The pass found a and c; gone's ticket has no document.
    kept.learnCreatedAt([{ id: "a" }, { id: "c" }], Float64Array.from([10, 30]));
    expect(kept.follow({ epoch: "e1", seq: 5 }, logFrom(add(4, "b", 20), add(5, "d", 5)), 5)).toBe(true);
    expect(kept.ids).toEqual(["d", "a", "gone", "b", "c"]);
  });

  it("never lists an id twice, even when told of an addition it already holds", () => {
    const kept = listing([
      ["a", 1],
      ["b", 2],
    ]);
    // Only a wrong listing hears of adding what it holds; the size check alone would not catch it
    // when another change it missed makes up the count.
    expect(kept.follow({ epoch: "e1", seq: 4 }, logFrom(add(4, "a", 1)), 3)).toBe(true);
    expect(kept.ids).toEqual(["a", "b"]);
  });

  it.each([
    ["another epoch (the log was begun afresh)", { epoch: "e2", seq: 4 }, logFrom(add(4, "b", 2)), 2],
    ["a log that went back", { epoch: "e1", seq: 2 }, [], 1],
    ["a log rewound and numbered again (its entry 3 is another)", { epoch: "e1", seq: 4 }, [add(3, "x", 2), add(4, "b", 2)], 3],
    ["a log without the entry it saw", { epoch: "e1", seq: 4 }, [add(4, "b", 2)], 2],
    ["a gap (changes trimmed or not read)", { epoch: "e1", seq: 5 }, logFrom(add(5, "b", 2)), 2],
    ["changes cut short (fewer than the head says)", { epoch: "e1", seq: 6 }, logFrom(add(4, "b", 2), add(5, "c", 3)), 3],
    ["changes out of sequence", { epoch: "e1", seq: 5 }, logFrom(add(5, "b", 2), add(4, "c", 3)), 3],
    ["a size that does not add up (a change nobody logged)", { epoch: "e1", seq: 4 }, logFrom(add(4, "b", 2)), 3],
    ["a log gone since (no epoch)", { epoch: undefined, seq: 0 }, [], 1],
  ] as const)("refuses %s and stays as it was", (_, head, changes, size) => {
    const kept = listing([["a", 1]]);
    expect(kept.follow(head, changes, size)).toBe(false);
    expect(kept.ids).toEqual(["a"]);
    expect(kept.seq).toBe(3);
  });

  it("ends where a listing made whole at the end would, over random changes", () => {
    const random = seededRandom(11);
    const members = new Map<string, number>();
    const kept = listing([], { epoch: "e1", seq: 0 }, undefined);
    let seq = 0;
    let seen: ChangeLogEntry | undefined;
    for (let round = 0; round < 50; round++) {
      const changes: ChangeLogEntry[] = seen === undefined ? [] : [seen];
      for (let k = 0; k < 40; k++) {
        const id = `t${Math.floor(random() * 120)}`;
        if (members.has(id)) {
          members.delete(id);
          changes.push(remove(++seq, id));
        } else {
          // Few distinct times, so that many tickets tie on createdAt.
          const createdAt = members.size === 0 ? 0 : Math.floor(random() * 8);
          members.set(id, createdAt);
          changes.push(add(++seq, id, createdAt));
        }
      }
      expect(kept.follow({ epoch: "e1", seq }, changes, members.size)).toBe(true);
      seen = changes[changes.length - 1];
      const expected = [...members].sort(([idA, a], [idB, b]) => a - b || (idA < idB ? -1 : 1)).map(([id]) => id);
      expect(kept.ids).toEqual(expected);
    }
  });
});
