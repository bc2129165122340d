import type { ChangeLogEntry, ChangeLogHead, QueuedChange } from "./queue-listing.ts";

/**
 * A reply about a queue's listing or change log that cannot be read. Where the log is concerned the
 * store does without it (it lists the queue whole); a listing it cannot read fails the pass.
 */
export class UnreadableListingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableListingError";
  }
}

/** A queue's change-log head from `HMGET <p>changes:head epoch seq` (both nil: nothing logged yet). */
export function changeLogHead(reply: unknown): ChangeLogHead {
  if (!Array.isArray(reply) || reply.length !== 2) throw new UnreadableListingError("expected the change log's epoch and seq");
  const [epoch, seq] = reply as unknown[];
  if (epoch === null && seq === null) return { epoch: undefined, seq: 0 };
  const number = Number(seq);
  if (typeof epoch !== "string" || !Number.isSafeInteger(number) || number < 1) throw new UnreadableListingError(`unreadable change log head ${JSON.stringify(reply)}`);
  return { epoch, seq: number };
}

/**
 * The entries of an `XRANGE` (or `XREVRANGE`) over `<p>changes`: ids `0-<seq>`, a field `changes`
 * with a line per change, `+<createdAt>:<id>` or `-<id>`, and a field `at`, the time it was logged
 * (see ticket-lib.lua).
 */
export function changeLogEntries(reply: unknown): ChangeLogEntry[] {
  if (!Array.isArray(reply)) throw new UnreadableListingError("expected a list of queue changes");
  return reply.map((entry: unknown) => {
    const { id, message } = (entry ?? {}) as { id?: unknown; message?: Record<string, unknown> };
    const seq = typeof id === "string" && id.startsWith("0-") ? Number(id.slice(2)) : Number.NaN;
    const changes = message?.["changes"];
    const at = message?.["at"];
    if (!Number.isSafeInteger(seq) || typeof changes !== "string") throw new UnreadableListingError(`unreadable queue change log entry ${JSON.stringify(entry)}`);
    // Entries an older version logged have no time.
    return { seq, text: typeof at === "string" ? `${changes}\n@${at}` : changes, changes: changes.split("\n").map(queuedChange) };
  });
}

function queuedChange(line: string): QueuedChange {
  if (line.startsWith("-") && line.length > 1) return { added: false, id: line.slice(1), createdAt: 0 };
  const colon = line.indexOf(":");
  const createdAt = Number(line.slice(1, colon));
  if (!line.startsWith("+") || colon < 2 || colon === line.length - 1 || !Number.isFinite(createdAt)) throw new UnreadableListingError(`unreadable queue change ${JSON.stringify(line)}`);
  return { added: true, id: line.slice(colon + 1), createdAt };
}

/** The members of a `ZRANGE`. */
export function queuedIds(reply: unknown): string[] {
  if (!Array.isArray(reply) || !reply.every((id: unknown) => typeof id === "string")) throw new UnreadableListingError("expected a list of queued ticket ids");
  return reply as string[];
}
