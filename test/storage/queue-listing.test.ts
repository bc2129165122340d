import { describe, expect, it } from "vitest";
import { QueueListing, type QueuedChange } from "../../src/storage/redis/queue-listing.ts";
import { seededRandom } from "../support/seeded-random.ts";

const add = (seq: number, id: string, createdAt: number): QueuedChange => ({ seq, added: true, id, createdAt });
const remove = (seq: number, id: string): QueuedChange => ({ seq, added: false, id, createdAt: 0 });

/** A listing of `entries` (already in the set's order) at change `seq` of epoch "e1". */
function listing(entries: readonly [string, number][], seq = 3): QueueListing {
  return QueueListing.whole(
    { epoch: "e1", seq },
    entries.map(([value, score]) => ({ value, score })),
    0,
  );
}

describe("QueueListing", () => {
  it("inserts added tickets in the sorted set's order (by createdAt, then id) and drops removed ones", () => {
    const kept = listing([
      ["b", 10],
      ["d", 10],
      ["f", 20],
    ]);
    const changes = [add(4, "z", 30), add(5, "a", 5), remove(6, "d"), add(7, "c", 10), add(8, "e", 20)];
    expect(kept.follow({ epoch: "e1", seq: 8 }, changes, 6)).toBe(true);
    expect(kept.ids).toEqual(["a", "b", "c", "e", "f", "z"]);
    expect(kept.seq).toBe(8);
  });

  it("reads an id's changes by their first and last: re-added stays in place, added then removed never shows", () => {
    const kept = listing([
      ["a", 1],
      ["b", 2],
    ]);
    const changes = [remove(4, "a"), add(5, "x", 3), add(6, "a", 1), remove(7, "x"), remove(8, "b"), add(9, "b", 2), remove(10, "b")];
    expect(kept.follow({ epoch: "e1", seq: 10 }, changes, 1)).toBe(true);
    expect(kept.ids).toEqual(["a"]);
  });

  it("follows no changes when there are none", () => {
    const kept = listing([["a", 1]]);
    expect(kept.follow({ epoch: "e1", seq: 3 }, [], 1)).toBe(true);
    expect(kept.ids).toEqual(["a"]);
  });

  it.each([
    ["another epoch (the log was begun afresh)", { epoch: "e2", seq: 4 }, [add(4, "b", 2)], 2],
    ["a log that went back", { epoch: "e1", seq: 2 }, [], 1],
    ["a gap (changes trimmed or not read)", { epoch: "e1", seq: 5 }, [add(5, "b", 2)], 2],
    ["changes out of sequence", { epoch: "e1", seq: 5 }, [add(5, "b", 2), add(4, "c", 3)], 3],
    ["a size that does not add up (a change nobody logged)", { epoch: "e1", seq: 4 }, [add(4, "b", 2)], 3],
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
    const kept = listing([], 0);
    let seq = 0;
    for (let round = 0; round < 50; round++) {
      const changes: QueuedChange[] = [];
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
      const expected = [...members].sort(([idA, a], [idB, b]) => a - b || (idA < idB ? -1 : 1)).map(([id]) => id);
      expect(kept.ids).toEqual(expected);
    }
  });
});
