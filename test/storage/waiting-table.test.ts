import { describe, expect, it } from "vitest";
import type { Ticket } from "../../src/domain/ticket.ts";
import { WaitingColumnsReader, type WaitingColumns } from "../../src/domain/waiting-columns.ts";
import { WaitingTable } from "../../src/storage/waiting-table.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { queuedTicket } from "./ticket-store-conformance.ts";

function ticket(id: string, skills: readonly number[], latencyMs: Record<string, number>, createdAt = 1_000): Ticket {
  const players = skills.map((skill, k) => ({ userId: `${id}-${k}`, skill }));
  return { ...queuedTicket(id), players, latencyMs, createdAt, expiresAt: createdAt + 60_000 };
}

/** The columns as plain values, for comparing two of them. */
function plain(columns: WaitingColumns<Ticket>) {
  return {
    ids: columns.tickets.map((entry) => entry.id),
    regions: columns.regions,
    skill: [...columns.skill],
    partySize: [...columns.partySize],
    createdAt: [...columns.createdAt],
    latencyMs: [...columns.latencyMs],
  };
}

describe("WaitingTable", () => {
  it("keeps tickets in the order they were queued, a re-queued one last", () => {
    const table = new WaitingTable<Ticket>();
    for (const id of ["a", "b", "c"]) table.add(ticket(id, [1000], { "eu-west": 20 }));
    expect(table.delete("b")).toBe(true);
    expect(table.delete("b")).toBe(false);
    table.add(ticket("a", [1000], { "eu-west": 20 }));
    expect(table.snapshot().tickets.map((entry) => entry.id)).toEqual(["c", "a"]);
    expect(table.has("b")).toBe(false);
    expect(table.get("a")?.id).toBe("a");
    expect(table.get("b")).toBeUndefined();
  });

  it("hands out each ticket's party skill, size, creation time and latency per region, NaN where none", () => {
    const table = new WaitingTable<Ticket>();
    table.add(ticket("a", [1000, 1200], { "eu-west": 20 }, 5));
    // A region first met here gets a column, empty for the tickets before.
    table.add(ticket("b", [900], { "us-east": 70, "eu-west": 40 }, 7));
    expect(plain(table.snapshot())).toEqual({
      ids: ["a", "b"],
      regions: ["eu-west", "us-east"],
      skill: [1100, 900],
      partySize: [2, 1],
      createdAt: [5, 7],
      latencyMs: [20, Number.NaN, 40, 70],
    });
  });

  it("hands the tickets a list names in the list's order, and tells which it does not hold", () => {
    const random = seededRandom(3);
    const table = new WaitingTable<Ticket>();
    const added: Ticket[] = [];
    for (let index = 0; index < 500; index++) {
      const entry = ticket(`t${index}`, [1000 + index], { "eu-west": index % 90 }, index);
      table.add(entry);
      added.push(entry);
    }
    for (let index = 0; index < 500; index += 7) table.delete(`t${index}`);
    expect(table.size).toBe(500 - 72);
    // Mostly in the order added, with some out of place, some gone and some never added.
    const ids = added.map((entry) => entry.id);
    for (let k = 0; k < 40; k++) {
      const i = Math.floor(random() * ids.length);
      const j = Math.floor(random() * ids.length);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    ids.splice(100, 0, "never-1", "never-2");
    const held = ids.filter((id) => table.has(id));
    expect(table.missingFrom(ids)).toEqual(ids.filter((id) => !table.has(id)));
    // Narrowed to the list: the others go, the rest come in the list's order.
    expect(table.delete(added[1]!.id)).toBe(true);
    const listed = held.filter((id) => id !== added[1]!.id);
    const unlisted = added[2]!.id;
    ids.splice(ids.indexOf(unlisted), 1);
    const kept = listed.filter((id) => id !== unlisted);
    const narrowed = table.narrowTo(ids);
    const byId = new Map(added.map((entry) => [entry.id, entry]));
    const expectedColumns = plain(new WaitingColumnsReader().read(narrowed.regions, kept.map((id) => byId.get(id)!)));
    expect(plain(narrowed)).toEqual(expectedColumns);
    expect(table.size).toBe(kept.length);
    expect(table.has(unlisted)).toBe(false);
    // And the table goes on like any other.
    const later = ticket("later", [1234], { "us-east": 5 }, 9_999);
    table.add(later);
    expect(table.delete(kept[0]!)).toBe(true);
    const after = table.snapshot();
    const inTableOrder = added.filter((entry) => kept.slice(1).includes(entry.id));
    expect(plain(after)).toEqual(plain(new WaitingColumnsReader().read(after.regions, [...inTableOrder, later])));
  });

  it("still agrees after a long queue drains and fills again", () => {
    const table = new WaitingTable<Ticket>();
    const expected = new Map<string, Ticket>();
    const add = (id: string, index: number) => {
      const entry = ticket(id, [1000 + index], index % 3 === 0 ? { "eu-west": index % 200 } : { "us-east": index % 150 }, index);
      table.add(entry);
      expected.set(id, entry);
    };
    const agrees = () => {
      const snapshot = table.snapshot();
      expect(plain(snapshot)).toEqual(plain(new WaitingColumnsReader().read(snapshot.regions, [...expected.values()])));
    };
    for (let index = 0; index < 5_000; index++) add(`a${index}`, index);
    agrees();
    // Down to 40 of 5,000, then up again: the table gives its room back and grows anew.
    const full = table.snapshot().skill.buffer;
    for (let index = 0; index < 5_000; index++) {
      if (index % 125 === 0) continue;
      table.delete(`a${index}`);
      expected.delete(`a${index}`);
    }
    agrees();
    expect(table.snapshot().skill.buffer.byteLength).toBeLessThan(full.byteLength / 4);
    for (let index = 0; index < 3_000; index++) add(`b${index}`, index);
    agrees();
    expect(table.get("a125")?.id).toBe("a125");
    // Once no pass runs, the snapshot's arrays go; the next snapshot makes new ones.
    const last = table.snapshot().skill.buffer;
    table.forgetSnapshot();
    expect(table.snapshot().skill.buffer).not.toBe(last);
    expect(table.delete("a250")).toBe(true);
    expected.delete("a250");
    agrees();
  });

  it("agrees with reading the tickets themselves through any mix of arrivals and departures", () => {
    const random = seededRandom(7);
    const table = new WaitingTable<Ticket>();
    // What the table should hold: a Map keeps insertion order, and a deleted key set again goes last.
    const expected = new Map<string, Ticket>();
    const regions = ["eu-west", "us-east", "ap-south"];
    let next = 0;
    for (let round = 0; round < 40; round++) {
      for (let step = 0; step < 200; step++) {
        const ids = [...expected.keys()];
        if (ids.length > 0 && random() < 0.45) {
          const id = ids[Math.floor(random() * ids.length)]!;
          expect(table.delete(id)).toBe(true);
          expected.delete(id);
          continue;
        }
        // New tickets, and now and then one that left coming back (a failed allocation).
        const id = random() < 0.1 && next > 0 ? `t${Math.floor(random() * next)}` : `t${next++}`;
        const latencyMs: Record<string, number> = {};
        for (const region of regions) if (random() < 0.7) latencyMs[region] = Math.round(random() * 200);
        const size = 1 + Math.floor(random() * 4);
        const entry = ticket(id, Array.from({ length: size }, () => Math.round(random() * 3000)), latencyMs, Math.floor(random() * 1e6));
        table.add(entry);
        expected.delete(id);
        expected.set(id, entry);
      }
      const due = Math.floor(random() * 1e6);
      expect(table.expiringBy(due)).toEqual([...expected.values()].filter((entry) => entry.expiresAt <= due));
      const snapshot = table.snapshot();
      const reread = new WaitingColumnsReader().read(snapshot.regions, [...expected.values()]);
      expect(plain(snapshot)).toEqual(plain(reread));
      for (const id of expected.keys()) expect(table.get(id)).toBe(expected.get(id));
    }
  });
});
