import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";

/** A Duration in milliseconds, or undefined when the server left it out (no data yet). */
export function durationMs(duration: Duration | undefined): number | undefined {
  return duration === undefined ? undefined : Number(duration.seconds) * 1000 + duration.nanos / 1e6;
}

/** A Timestamp in milliseconds since the epoch. */
export function timestampMs(timestamp: Timestamp | undefined): number | undefined {
  return timestamp === undefined ? undefined : Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6;
}

/** "0.4 s", "12 s", "3 min 05 s"; a dash for no value. */
export function formatWait(ms: number | undefined): string {
  if (ms === undefined) return "–";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/** `QUEUED`, `MATCHED`...: the proto's names without the prefix. */
export function stateName(state: TicketState): string {
  return TicketState[state] ?? "UNKNOWN";
}

/** Whether the ticket will not change again. */
export function isTerminal(state: TicketState): boolean {
  return state === TicketState.MATCHED || state === TicketState.CANCELLED || state === TicketState.EXPIRED;
}
