import { describe, expect, it } from "vitest";
import type { TicketStore } from "../../src/application/ports/ticket-store.ts";
import type { Assignment, Ticket, WaitingTicket } from "../../src/domain/ticket.ts";
import { WaitingColumnsReader } from "../../src/domain/waiting-columns.ts";

/** A store under test, fresh and empty. */
export interface TicketStoreSubject {
  readonly store: TicketStore;
  /** A fencing token under which claims on `queue` succeed (the store's current lease token). */
  fence(queue: string): Promise<number>;
}

export interface TicketStoreFactory {
  (options: { readonly retentionMs: number }): Promise<TicketStoreSubject>;
}

export const RETENTION_MS = 600_000;
const QUEUE = "duel";
const T0 = Date.UTC(2026, 0, 1);

/** A queued ticket, version 1, with one player per entry of `userIds` (default: `<id>-p`). */
export function queuedTicket(id: string, options: { createdAt?: number; userIds?: readonly string[]; queue?: string; ttlMs?: number } = {}): Ticket {
  const createdAt = options.createdAt ?? T0;
  return {
    id,
    queue: options.queue ?? QUEUE,
    state: "queued",
    players: (options.userIds ?? [`${id}-p`]).map((userId, index) => ({ userId, skill: 1500.125 + index / 3 })),
    partyId: `party-${id}`,
    latencyMs: { "eu-west": 20, "us-east": 95 },
    createdAt,
    expiresAt: createdAt + (options.ttlMs ?? 60_000),
    updatedAt: createdAt,
    version: 1,
  };
}

function assignment(matchId: string): Assignment {
  return {
    matchId,
    region: "eu-west",
    serverAddress: "10.0.0.7:7777",
    teams: [["a-p"], ["b-p"]],
    matchTickets: { "a-p": "token-a" },
    matchTicketsExpireAt: T0 + 30_000,
  };
}

/**
 * The behaviour every {@link TicketStore} must share, whatever holds the tickets: the in-memory
 * store defines it, and the Redis store must match it exactly.
 */
export function describeTicketStore(name: string, open: TicketStoreFactory): void {
  describe(`${name} (TicketStore conformance)`, () => {
    async function withTickets(...tickets: Ticket[]): Promise<TicketStoreSubject> {
      const subject = await open({ retentionMs: RETENTION_MS });
      for (const ticket of tickets) expect((await subject.store.create(ticket)).outcome).toBe("created");
      return subject;
    }

    /** The queued tickets as a pass opened at the epoch sees them: nothing is stale or due yet, so nothing changes. */
    async function queuedIn(store: TicketStore, queue = QUEUE): Promise<WaitingTicket[]> {
      return (await store.beginPass(queue, 0, 0)).queued.map(waitingParts);
    }

    /** Claims one match alone. */
    async function claim(subject: TicketStoreSubject, matchId: string, ids: readonly string[], now = T0 + 1_000) {
      const [claimed] = await subject.store.claim(QUEUE, [{ matchId, ticketIds: ids }], now, await subject.fence(QUEUE));
      return claimed;
    }

    describe("create", () => {
      it("stores a queued ticket exactly as given and lists it as queued", async () => {
        const ticket = queuedTicket("a", { userIds: ["alice", "bob"] });
        const { store } = await withTickets();

        expect(await store.create(ticket)).toEqual({ outcome: "created", ticket });
        expect(await store.get("a")).toEqual(ticket);
        expect(await queuedIn(store)).toEqual([waitingParts(ticket)]);
        expect(await queuedIn(store, "other")).toEqual([]);
        expect(await store.get("missing")).toBeUndefined();
      });

      it("replays a request seen before with the same idempotency key and fingerprint", async () => {
        const { store } = await withTickets();
        const original = queuedTicket("a");
        await store.create(original, { key: "k1", fingerprint: "f1" });

        const retry = await store.create(queuedTicket("a-retry", { userIds: ["a-p"] }), { key: "k1", fingerprint: "f1" });

        expect(retry).toEqual({ outcome: "replayed", ticket: original });
        expect(await store.get("a-retry")).toBeUndefined();
        expect(await queuedIn(store)).toHaveLength(1);
      });

      it("reports a key reused for a different request", async () => {
        const { store } = await withTickets();
        await store.create(queuedTicket("a"), { key: "k1", fingerprint: "f1" });

        expect(await store.create(queuedTicket("b"), { key: "k1", fingerprint: "f2" })).toEqual({ outcome: "key-reused", ticketId: "a" });
        expect(await store.get("b")).toBeUndefined();
      });

      it("refuses a ticket whose player already holds a live ticket in the queue, naming both", async () => {
        const { store } = await withTickets(queuedTicket("a", { userIds: ["alice"] }));

        const busy = await store.create(queuedTicket("b", { userIds: ["bob", "alice"] }));

        expect(busy).toEqual({ outcome: "player-busy", userId: "alice", ticketId: "a" });
        expect(await store.get("b")).toBeUndefined();
        expect(await store.create(queuedTicket("c", { userIds: ["bob"] }))).toMatchObject({ outcome: "created" });
      });

      it("lets the same player queue in another queue, and again once their ticket has ended", async () => {
        const { store } = await withTickets(queuedTicket("a", { userIds: ["alice"] }));

        expect((await store.create(queuedTicket("x", { userIds: ["alice"], queue: "other" }))).outcome).toBe("created");
        await store.cancel("a", T0 + 10);
        expect((await store.create(queuedTicket("b", { userIds: ["alice"] }))).outcome).toBe("created");
      });

      it("keeps a player busy while their ticket is allocating", async () => {
        const subject = await withTickets(queuedTicket("a", { userIds: ["alice"] }));
        await claim(subject, "m1", ["a"]);

        expect(await subject.store.create(queuedTicket("b", { userIds: ["alice"] }))).toEqual({ outcome: "player-busy", userId: "alice", ticketId: "a" });
      });
    });

    describe("cancel", () => {
      it("cancels a queued ticket once, then reports it cancelled again unchanged", async () => {
        const { store } = await withTickets(queuedTicket("a"));

        const first = await store.cancel("a", T0 + 500);
        const again = await store.cancel("a", T0 + 900);

        expect(first).toEqual({ outcome: "cancelled", ticket: { ...queuedTicket("a"), state: "cancelled", version: 2, updatedAt: T0 + 500 } });
        expect(again).toEqual(first);
        expect(await queuedIn(store)).toEqual([]);
      });

      it("does not cancel an allocating, matched or expired ticket", async () => {
        const subject = await withTickets(queuedTicket("a"), queuedTicket("b"), queuedTicket("c", { ttlMs: 10 }));
        await claim(subject, "m1", ["a", "b"]);
        await subject.store.assign(QUEUE, "m1", new Map([["b", assignment("m1")]]), T0 + 2_000);
        await subject.store.beginPass(QUEUE, 0, T0 + 3_000);

        for (const [id, state] of [["a", "allocating"], ["b", "matched"], ["c", "expired"]] as const) {
          const result = await subject.store.cancel(id, T0 + 4_000);
          expect(result).toMatchObject({ outcome: "not-cancellable", ticket: { id, state } });
        }
      });

      it("reports an unknown ticket as not found", async () => {
        const { store } = await withTickets();
        expect(await store.cancel("missing", T0)).toEqual({ outcome: "not-found" });
      });
    });

    describe("claim", () => {
      it("refuses a match with a ticket past its time to live that no pass has expired yet", async () => {
        const subject = await withTickets(queuedTicket("a", { ttlMs: 1_000 }), queuedTicket("b"), queuedTicket("c"));
        const fence = await subject.fence(QUEUE);
        const claims = [
          { matchId: "m1", ticketIds: ["a", "b"] },
          { matchId: "m2", ticketIds: ["b", "c"] },
        ];
        const [late, inTime] = await subject.store.claim(QUEUE, claims, T0 + 1_000, fence);
        expect(late).toBeUndefined();
        expect(inTime?.map((ticket) => ticket.id)).toEqual(["b", "c"]);
        expect((await subject.store.get("a"))?.state).toBe("queued");
        // A moment before, it could still be matched.
        const other = await withTickets(queuedTicket("a", { ttlMs: 1_000 }), queuedTicket("b"));
        expect(await other.store.claim(QUEUE, [claims[0]!], T0 + 999, await other.fence(QUEUE))).toMatchObject([[{ id: "a" }, { id: "b" }]]);
      });

      it("moves every listed ticket to allocating for the match", async () => {
        const subject = await withTickets(queuedTicket("a"), queuedTicket("b"), queuedTicket("c"));

        const claimed = await claim(subject, "m1", ["a", "b"], T0 + 1_000);

        expect(claimed).toEqual([
          { ...queuedTicket("a"), state: "allocating", matchId: "m1", version: 2, updatedAt: T0 + 1_000 },
          { ...queuedTicket("b"), state: "allocating", matchId: "m1", version: 2, updatedAt: T0 + 1_000 },
        ]);
        expect(await subject.store.get("a")).toEqual(claimed?.[0]);
        expect((await queuedIn(subject.store)).map((ticket) => ticket.id)).toEqual(["c"]);
      });

      it("claims nothing when one of the tickets is no longer queued", async () => {
        const subject = await withTickets(queuedTicket("a"), queuedTicket("b"));
        await subject.store.cancel("b", T0 + 10);

        expect(await claim(subject, "m1", ["a", "b"])).toBeUndefined();
        expect(await subject.store.get("a")).toEqual(queuedTicket("a"));
        expect(await claim(subject, "m2", ["a", "missing"])).toBeUndefined();
        expect(await subject.store.get("a")).toEqual(queuedTicket("a"));
      });

      it("claims nothing of a match that names a ticket twice (it would play itself)", async () => {
        const subject = await withTickets(queuedTicket("a"), queuedTicket("b"));

        expect(await claim(subject, "m1", ["a", "a"])).toBeUndefined();
        expect(await subject.store.get("a")).toEqual(queuedTicket("a"));
        expect(await claim(subject, "m2", ["a", "b"])).toHaveLength(2);
      });

      it("lets exactly one of several concurrent claims of overlapping tickets win", async () => {
        const subject = await withTickets(...["a", "b", "c", "d", "e"].map((id) => queuedTicket(id)));
        const fence = await subject.fence(QUEUE);
        const proposals = [["a", "b"], ["c", "a"], ["a", "b", "c"], ["d", "a"], ["a"], ["e", "a"]];

        const results = (
          await Promise.all(proposals.map((ids, index) => subject.store.claim(QUEUE, [{ matchId: `m${index}`, ticketIds: ids }], T0 + 1_000, fence)))
        ).flat();

        const claimedIds = results.flatMap((result) => result?.map((ticket) => ticket.id) ?? []);
        expect(results.filter((result) => result !== undefined)).toHaveLength(1);
        expect(new Set(claimedIds).size).toBe(claimedIds.length);
        for (const id of claimedIds) expect((await subject.store.get(id))?.state).toBe("allocating");
      });

      it("claims many matches in one call, each all or nothing: a match with a ticket cancelled meanwhile fails alone", async () => {
        const subject = await withTickets(...["a", "b", "c", "d", "e", "f"].map((id) => queuedTicket(id)));
        await subject.store.cancel("d", T0 + 10);

        const results = await subject.store.claim(
          QUEUE,
          [
            { matchId: "m1", ticketIds: ["a", "b"] },
            { matchId: "m2", ticketIds: ["c", "d"] },
            { matchId: "m3", ticketIds: ["e", "f"] },
          ],
          T0 + 1_000,
          await subject.fence(QUEUE),
        );

        const allocating = (id: string, matchId: string) => ({ ...queuedTicket(id), state: "allocating", matchId, version: 2, updatedAt: T0 + 1_000 });
        expect(results).toEqual([[allocating("a", "m1"), allocating("b", "m1")], undefined, [allocating("e", "m3"), allocating("f", "m3")]]);
        expect(await subject.store.get("c")).toEqual(queuedTicket("c"));
        expect((await queuedIn(subject.store)).map((ticket) => ticket.id)).toEqual(["c"]);
      });

      it("never gives a ticket to two matches of the same call: the first one listed takes it", async () => {
        const subject = await withTickets(...["a", "b", "c"].map((id) => queuedTicket(id)));

        const results = await subject.store.claim(
          QUEUE,
          [
            { matchId: "m1", ticketIds: ["a", "b"] },
            { matchId: "m2", ticketIds: ["c", "a"] },
          ],
          T0 + 1_000,
          await subject.fence(QUEUE),
        );

        expect(results.map((claimed) => claimed?.map((ticket) => ticket.id))).toEqual([["a", "b"], undefined]);
        expect(await subject.store.get("c")).toEqual(queuedTicket("c"));
        expect((await subject.store.get("a"))?.matchId).toBe("m1");
      });

      it("claims nothing for no matches", async () => {
        const subject = await withTickets(queuedTicket("a"));

        expect(await subject.store.claim(QUEUE, [], T0 + 1_000, await subject.fence(QUEUE))).toEqual([]);
        expect(await subject.store.get("a")).toEqual(queuedTicket("a"));
      });
    });

    describe("assign", () => {
      it("matches the allocating tickets of the match with their assignment and frees their players", async () => {
        const subject = await withTickets(queuedTicket("a", { userIds: ["alice"] }), queuedTicket("b"));
        await claim(subject, "m1", ["a", "b"], T0 + 1_000);

        const matched = await subject.store.assign(QUEUE, "m1", new Map([["a", assignment("m1")]]), T0 + 2_000);

        expect(matched).toEqual([
          { ...queuedTicket("a", { userIds: ["alice"] }), state: "matched", matchId: "m1", assignment: assignment("m1"), version: 3, updatedAt: T0 + 2_000 },
        ]);
        expect(await subject.store.get("a")).toEqual(matched[0]);
        expect((await subject.store.get("b"))?.state).toBe("allocating");
        expect((await subject.store.create(queuedTicket("a2", { userIds: ["alice"] }))).outcome).toBe("created");
      });

      it("skips tickets not allocating for that match", async () => {
        const subject = await withTickets(queuedTicket("a"), queuedTicket("b"));
        await claim(subject, "m1", ["a"]);

        const matched = await subject.store.assign(QUEUE, "m2", new Map([["a", assignment("m2")], ["b", assignment("m2")]]), T0 + 2_000);

        expect(matched).toEqual([]);
        expect((await subject.store.get("a"))?.state).toBe("allocating");
        expect((await subject.store.get("b"))?.state).toBe("queued");
      });
    });

    describe("requeue", () => {
      it("returns the match's allocating tickets to the queue with their original creation time", async () => {
        const subject = await withTickets(queuedTicket("a", { createdAt: T0 - 5_000 }), queuedTicket("b"));
        await claim(subject, "m1", ["a", "b"], T0 + 1_000);

        const requeued = await subject.store.requeue(QUEUE, "m1", ["a", "b", "missing"], T0 + 2_000);

        expect(requeued).toEqual([
          { ...queuedTicket("a", { createdAt: T0 - 5_000 }), version: 3, updatedAt: T0 + 2_000 },
          { ...queuedTicket("b"), version: 3, updatedAt: T0 + 2_000 },
        ]);
        expect((await subject.store.get("a"))?.matchId).toBeUndefined();
        expect((await queuedIn(subject.store)).map((ticket) => ticket.id).sort()).toEqual(["a", "b"]);
        expect(await claim(subject, "m2", ["a", "b"])).toHaveLength(2);
      });

      it("leaves tickets of other matches and other states alone", async () => {
        const subject = await withTickets(queuedTicket("a"), queuedTicket("b"));
        await claim(subject, "m1", ["a"]);

        expect(await subject.store.requeue(QUEUE, "m2", ["a", "b"], T0 + 2_000)).toEqual([]);
        expect((await subject.store.get("a"))?.state).toBe("allocating");
      });
    });

    describe("beginPass", () => {
      it("lists queued tickets in the same order on every pass, including tickets created in the same millisecond", async () => {
        const subject = await withTickets(
          queuedTicket("m", { createdAt: T0 + 1 }),
          queuedTicket("c", { createdAt: T0 }),
          queuedTicket("x", { createdAt: T0 + 1 }),
          queuedTicket("a", { createdAt: T0 + 1 }),
        );
        const listed = async () => (await subject.store.beginPass(QUEUE, 0, T0 + 2)).queued.map((ticket) => ticket.id);
        const first = await listed();
        expect([...first].sort()).toEqual(["a", "c", "m", "x"]);
        expect(await listed()).toEqual(first);
      });

      it("hands each listed ticket's numbers in the list's order, through arrivals, departures and returns", async () => {
        const party = (id: string, skills: readonly number[], latencyMs: Record<string, number>, createdAt: number): Ticket => ({
          ...queuedTicket(id, { createdAt, userIds: skills.map((_, k) => `${id}-${k}`) }),
          players: skills.map((skill, k) => ({ userId: `${id}-${k}`, skill })),
          latencyMs,
        });
        const subject = await withTickets(
          party("a", [1000, 1200], { "eu-west": 20 }, T0),
          party("b", [900], { "us-east": 70, "eu-west": 40 }, T0 + 1),
          party("c", [1500], { "us-east": 10 }, T0 + 2),
        );
        const agrees = async () => {
          const { queued, columns } = await subject.store.beginPass(QUEUE, 0, T0 + 10);
          const reread = new WaitingColumnsReader().read(columns.regions, queued);
          expect(columns.tickets.map((ticket) => ticket.id)).toEqual(queued.map((ticket) => ticket.id));
          for (const key of ["skill", "partySize", "createdAt", "latencyMs"] as const) expect([...columns[key]]).toEqual([...reread[key]]);
          return queued.map((ticket) => ticket.id);
        };
        expect(await agrees()).toEqual(["a", "b", "c"]);
        await claim(subject, "m1", ["b"]);
        await subject.store.create(party("d", [2000, 2100, 2200], { "ap-south": 50 }, T0 + 3));
        // Created before the others, seen after them: where a store lists it is its own order.
        await subject.store.create(party("e", [700], { "eu-west": 90 }, T0 - 5));
        expect((await agrees()).sort()).toEqual(["a", "c", "d", "e"]);
        await subject.store.requeue(QUEUE, "m1", ["b"], T0 + 4);
        await subject.store.cancel("a", T0 + 4);
        expect((await agrees()).sort()).toEqual(["b", "c", "d", "e"]);
      });

      it("requeues allocating tickets claimed before the cut-off only, and lists them as queued", async () => {
        const subject = await withTickets(queuedTicket("a"), queuedTicket("b"), queuedTicket("c"));
        await claim(subject, "m1", ["a"], T0 + 1_000);
        await claim(subject, "m2", ["b"], T0 + 5_000);

        const pass = await subject.store.beginPass(QUEUE, T0 + 5_000, T0 + 6_000);

        const requeued = { ...queuedTicket("a"), version: 3, updatedAt: T0 + 6_000 };
        expect(pass.reclaimed).toEqual([requeued]);
        expect(pass.expired).toEqual([]);
        expect(sortById(pass.queued.map(waitingParts))).toEqual([waitingParts(requeued), waitingParts(queuedTicket("c"))]);
        expect((await subject.store.get("b"))?.state).toBe("allocating");
        expect((await subject.store.get("c"))?.version).toBe(1);
        expect((await subject.store.beginPass(QUEUE, T0 + 5_000, T0 + 7_000)).reclaimed).toEqual([]);
      });

      it("expires queued tickets whose time-to-live has come, frees their players, and lists only the others", async () => {
        const subject = await withTickets(
          queuedTicket("a", { ttlMs: 1_000, userIds: ["alice"] }),
          queuedTicket("b", { ttlMs: 2_000 }),
          queuedTicket("c", { ttlMs: 500 }),
        );
        await claim(subject, "m1", ["c"], T0 + 400);

        const pass = await subject.store.beginPass(QUEUE, 0, T0 + 1_000);

        expect(pass.expired).toEqual([{ ...queuedTicket("a", { ttlMs: 1_000, userIds: ["alice"] }), state: "expired", version: 2, updatedAt: T0 + 1_000 }]);
        expect(pass.queued.map(waitingParts)).toEqual([waitingParts(queuedTicket("b", { ttlMs: 2_000 }))]);
        expect((await subject.store.get("c"))?.state).toBe("allocating");
        expect((await subject.store.create(queuedTicket("a2", { userIds: ["alice"] }))).outcome).toBe("created");
        expect((await subject.store.beginPass(QUEUE, 0, T0 + 1_500)).expired).toEqual([]);
      });

      it("expires a requeued ticket that outlived its time-to-live while allocating", async () => {
        const subject = await withTickets(queuedTicket("a", { ttlMs: 1_000 }));
        await claim(subject, "m1", ["a"], T0 + 900);
        await subject.store.requeue(QUEUE, "m1", ["a"], T0 + 1_500);

        expect((await subject.store.beginPass(QUEUE, 0, T0 + 1_600)).expired.map((ticket) => ticket.id)).toEqual(["a"]);
      });

      it("reclaims before it expires: an orphaned ticket past its time-to-live comes back only to expire, and is not listed", async () => {
        const subject = await withTickets(queuedTicket("a", { ttlMs: 1_000 }), queuedTicket("b", { ttlMs: 10_000 }));
        await claim(subject, "m1", ["a", "b"], T0 + 900);

        const pass = await subject.store.beginPass(QUEUE, T0 + 1_000, T0 + 2_000);

        expect(pass.reclaimed.map((ticket) => [ticket.id, ticket.state, ticket.version])).toEqual([
          ["a", "queued", 3],
          ["b", "queued", 3],
        ]);
        expect(pass.expired).toEqual([{ ...queuedTicket("a", { ttlMs: 1_000 }), state: "expired", version: 4, updatedAt: T0 + 2_000 }]);
        expect(pass.queued.map(waitingParts)).toEqual([waitingParts(queuedTicket("b", { ttlMs: 10_000 }))]);
      });

      it("opens a pass over an unknown queue with nothing in it", async () => {
        const { store } = await withTickets(queuedTicket("a"));

        expect(await store.beginPass("other", T0, T0 + 1_000_000)).toMatchObject({ reclaimed: [], expired: [], queued: [] });
      });
    });

    it("bumps version and updatedAt on every change through a ticket's life", async () => {
      const subject = await withTickets(queuedTicket("a"));
      const versions: number[] = [1];
      versions.push((await claim(subject, "m1", ["a"], T0 + 1))![0]!.version);
      versions.push((await subject.store.requeue(QUEUE, "m1", ["a"], T0 + 2))[0]!.version);
      versions.push((await claim(subject, "m2", ["a"], T0 + 3))![0]!.version);
      const [matched] = await subject.store.assign(QUEUE, "m2", new Map([["a", assignment("m2")]]), T0 + 4);

      expect([...versions, matched!.version]).toEqual([1, 2, 3, 4, 5]);
      expect(matched!.updatedAt).toBe(T0 + 4);
      expect(matched!.createdAt).toBe(T0);
    });
  });
}

function sortById<T extends { readonly id: string }>(tickets: readonly T[]): T[] {
  return [...tickets].sort((a, b) => a.id.localeCompare(b.id));
}

/** What a pass lists of a queued ticket: the parts that never change (a store may return more). */
function waitingParts({ id, queue, players, partyId, latencyMs, createdAt, expiresAt }: WaitingTicket): WaitingTicket {
  return { id, queue, players, partyId, latencyMs, createdAt, expiresAt };
}
