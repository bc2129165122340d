import type { ChangeLogHead, QueuedChange } from "./queue-listing.ts";
import { CorruptTicketError } from "./ticket-codec.ts";

/** A queue's change-log head from `HMGET <p>changes:head epoch seq` (both nil: nothing logged yet). */
export function changeLogHead(reply: unknown): ChangeLogHead {
  if (!Array.isArray(reply) || reply.length !== 2) throw new CorruptTicketError("expected the change log's epoch and seq");
  const [epoch, seq] = reply as unknown[];
  if (epoch === null && seq === null) return { epoch: undefined, seq: 0 };
  const number = Number(seq);
  if (typeof epoch !== "string" || !Number.isSafeInteger(number) || number < 1) throw new CorruptTicketError(`unreadable change log head ${JSON.stringify(reply)}`);
  return { epoch, seq: number };
}

/** The changes of an `XRANGE` over `<p>changes`, whose entry ids are `0-<seq>` (see ticket-lib.lua). */
export function queuedChanges(reply: unknown): QueuedChange[] {
  if (!Array.isArray(reply)) throw new CorruptTicketError("expected a list of queue changes");
  return reply.map((entry: unknown) => {
    const { id, message } = (entry ?? {}) as { id?: unknown; message?: Record<string, unknown> };
    const seq = typeof id === "string" && id.startsWith("0-") ? Number(id.slice(2)) : Number.NaN;
    const op = message?.["op"];
    const ticketId = message?.["id"];
    const createdAt = op === "+" ? Number(message?.["at"]) : 0;
    if (!Number.isSafeInteger(seq) || (op !== "+" && op !== "-") || typeof ticketId !== "string" || !Number.isFinite(createdAt)) {
      throw new CorruptTicketError(`unreadable queue change ${JSON.stringify(entry)}`);
    }
    return { seq, added: op === "+", id: ticketId, createdAt };
  });
}

/** The members of a `ZRANGE ... WITHSCORES`, as node-redis's `zRangeWithScores` gives them. */
export function scoredIds(reply: unknown): { value: string; score: number }[] {
  if (!Array.isArray(reply)) throw new CorruptTicketError("expected a list of queued tickets");
  for (const entry of reply as unknown[]) {
    const { value, score } = (entry ?? {}) as { value?: unknown; score?: unknown };
    if (typeof value !== "string" || typeof score !== "number") throw new CorruptTicketError(`unreadable queued ticket ${JSON.stringify(entry)}`);
  }
  return reply as { value: string; score: number }[];
}
