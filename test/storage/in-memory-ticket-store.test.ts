import { describe, expect, it } from "vitest";
import { InMemoryTicketStore } from "../../src/storage/memory/in-memory-ticket-store.ts";
import { describeTicketStore, queuedTicket, RETENTION_MS } from "./ticket-store-conformance.ts";

describeTicketStore("InMemoryTicketStore", async ({ retentionMs }) => ({
  store: new InMemoryTicketStore({ retentionMs }),
  fence: async () => 1,
}));

describe("InMemoryTicketStore retention", () => {
  it("forgets terminal tickets and their idempotency keys once the retention period has passed", async () => {
    const store = new InMemoryTicketStore({ retentionMs: RETENTION_MS });
    const ticket = queuedTicket("a");
    await store.create(ticket, { key: "k1", fingerprint: "f1" });
    await store.cancel("a", ticket.createdAt + 1_000);

    await store.beginPass(ticket.queue, 0, ticket.createdAt + 1_000 + RETENTION_MS - 1);
    expect(await store.get("a")).toMatchObject({ state: "cancelled" });

    await store.beginPass(ticket.queue, 0, ticket.createdAt + 1_000 + RETENTION_MS);
    expect(await store.get("a")).toBeUndefined();
    expect((await store.create(queuedTicket("b"), { key: "k1", fingerprint: "f2" })).outcome).toBe("created");
  });
});

describe("InMemoryTicketStore order", () => {
  it("lists queued tickets in the order they arrived, so matching takes same-millisecond tickets first come, first served", async () => {
    const store = new InMemoryTicketStore({ retentionMs: RETENTION_MS });
    for (const id of ["m", "x", "a"]) await store.create(queuedTicket(id));
    expect((await store.beginPass("duel", 0, queuedTicket("a").createdAt)).queued.map((ticket) => ticket.id)).toEqual(["m", "x", "a"]);
  });
});
