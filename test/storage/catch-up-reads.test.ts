import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Ticket } from "../../src/domain/ticket.ts";
import { CatchUpReads } from "../../src/storage/redis/catch-up-reads.ts";
import { queuedTicket } from "./ticket-store-conformance.ts";

/** Reads that answer when the test says so, in any order. */
function heldReads() {
  const pending: { ticketId: string; answer: (ticket: Ticket | undefined) => void; fail: (error: Error) => void }[] = [];
  return {
    pending,
    read: (ticketId: string) =>
      new Promise<Ticket | undefined>((answer, fail) => {
        pending.push({ ticketId, answer, fail });
      }),
    /** Answers the oldest read in flight with a ticket of `version`. */
    answerNext(version: number) {
      const read = pending.shift()!;
      read.answer({ ...queuedTicket(read.ticketId), version });
    },
  };
}

function catchUps(reads: ReturnType<typeof heldReads>, options: { concurrency?: number; isLive?: () => boolean } = {}) {
  return new CatchUpReads({
    read: reads.read,
    isLive: options.isLive ?? (() => true),
    concurrency: options.concurrency ?? 2,
    retryMs: 250,
    logger: pino({ level: "silent" }),
  });
}

const settle = () => vi.advanceTimersByTimeAsync(0);

afterEach(() => {
  vi.useRealTimers();
});

describe("CatchUpReads", () => {
  it("keeps at most `concurrency` reads in flight and delivers every one", async () => {
    vi.useFakeTimers();
    const reads = heldReads();
    const reader = catchUps(reads, { concurrency: 2 });
    const delivered: string[] = [];
    for (const id of ["t1", "t2", "t3", "t4", "t5"]) reader.follow(id, (ticket) => delivered.push(ticket.id)).request();
    expect(reads.pending.map((read) => read.ticketId)).toEqual(["t1", "t2"]);

    reads.answerNext(1);
    await settle();
    expect(reads.pending.map((read) => read.ticketId)).toEqual(["t2", "t3"]);
    while (reads.pending.length > 0) {
      reads.answerNext(1);
      await settle();
    }
    expect(delivered).toEqual(["t1", "t2", "t3", "t4", "t5"]);
  });

  it("collapses requests made while one is waiting, and reads again when asked during a read", async () => {
    vi.useFakeTimers();
    const reads = heldReads();
    const reader = catchUps(reads, { concurrency: 1 });
    const versions: number[] = [];
    reader.follow("t0", () => undefined).request(); // takes the only slot
    const follower = reader.follow("t1", (ticket) => versions.push(ticket.version));
    follower.request();
    follower.request();
    reads.answerNext(1);
    await settle();
    expect(reads.pending.map((read) => read.ticketId)).toEqual(["t1"]);

    // Asked again while its read is out: that answer may be older than what the new request is for.
    follower.request();
    reads.answerNext(1);
    await settle();
    expect(reads.pending.map((read) => read.ticketId)).toEqual(["t1"]);
    reads.answerNext(2);
    await settle();
    expect(versions).toEqual([1, 2]);
    expect(reads.pending).toHaveLength(0);
  });

  it("delivers nothing to a watcher that stopped, and skips its waiting read", async () => {
    vi.useFakeTimers();
    const reads = heldReads();
    const reader = catchUps(reads, { concurrency: 1 });
    const delivered: string[] = [];
    const reading = reader.follow("t1", (ticket) => delivered.push(ticket.id));
    const waiting = reader.follow("t2", (ticket) => delivered.push(ticket.id));
    reading.request();
    waiting.request();
    reading.stop();
    waiting.stop();
    reads.answerNext(1);
    await settle();
    expect(delivered).toEqual([]);
    expect(reads.pending).toHaveLength(0);
  });

  it("retries a read that failed on a live connection, and leaves one that failed on a lost connection to the reconnect", async () => {
    vi.useFakeTimers();
    const reads = heldReads();
    let live = true;
    const reader = catchUps(reads, { isLive: () => live });
    const versions: number[] = [];
    const follower = reader.follow("t1", (ticket) => versions.push(ticket.version));
    follower.request();
    reads.pending.shift()!.fail(new Error("redis did not answer within 1000 ms"));
    await settle();
    expect(reads.pending).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(250);
    expect(reads.pending.map((read) => read.ticketId)).toEqual(["t1"]);

    live = false;
    reads.pending.shift()!.fail(new Error("the client is closed"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads.pending).toHaveLength(0);
    // The reconnect asks again.
    live = true;
    follower.request();
    reads.answerNext(3);
    await settle();
    expect(versions).toEqual([3]);
  });
});
