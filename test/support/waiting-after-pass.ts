import type { QueueEntry, WaitingAfterPass } from "../../src/application/ports/queue-progress.ts";

/** A pass's leftovers when it claimed nothing: every entry listed, with its creation-time column. */
export function allWaiting(listed: readonly QueueEntry[]): WaitingAfterPass {
  return { listed, createdAt: Float64Array.from(listed, (entry) => entry.createdAt), claimed: undefined };
}
