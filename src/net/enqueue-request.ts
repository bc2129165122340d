import type { EnqueueCommand } from "../application/enqueue-ticket.ts";
import type { Player } from "../domain/ticket.ts";
import { InvalidArgumentError } from "../application/errors.ts";
import type { EnqueueRequest } from "../gen/matchmaking/v1/matchmaking_pb.js";
import { LIMITS, optionalText, requireText, textProblem } from "./request-fields.ts";

/**
 * Checks the shape of an Enqueue request and turns it into a command. Queue-specific rules
 * (party size, known regions) are the application's; this catches what no queue could accept.
 */
export function toEnqueueCommand(request: EnqueueRequest): EnqueueCommand {
  const queue = requireText(request.queue, "queue", LIMITS.queueNameLength);
  const players = partyOf(request.players);
  const latencyMs = checkedLatencies(request.latencyMs);
  return {
    queue,
    players,
    partyId: optionalText(request.partyId, "party_id", LIMITS.idLength),
    latencyMs,
    requestId: optionalText(request.requestId, "request_id", LIMITS.idLength),
  };
}

/** The players, each checked, none twice. */
function partyOf(requested: EnqueueRequest["players"]): Player[] {
  if (requested.length === 0) throw new InvalidArgumentError("players", "at least one player is required");
  if (requested.length > LIMITS.players) {
    throw new InvalidArgumentError("players", `at most ${LIMITS.players} players are allowed`);
  }
  // By user id, the index of the player who has it; a solo player (the usual party) needs none.
  const seen = requested.length > 1 ? new Map<string, number>() : undefined;
  for (let index = 0; index < requested.length; index++) {
    const { userId, skill } = requested[index]!;
    const problem = textProblem(userId, LIMITS.idLength, true);
    if (problem !== undefined) throw new InvalidArgumentError(`players[${index}].user_id`, problem);
    const first = seen?.get(userId);
    if (first !== undefined) throw new InvalidArgumentError(`players[${index}].user_id`, `duplicates players[${first}].user_id "${userId}"`);
    seen?.set(userId, index);
    if (!Number.isFinite(skill)) throw new InvalidArgumentError(`players[${index}].skill`, "must be a finite number");
    if (skill < 0 || skill > LIMITS.skill) {
      throw new InvalidArgumentError(`players[${index}].skill`, `must be between 0 and ${LIMITS.skill}`);
    }
  }
  // `map` makes an array of exactly the party's size: the ticket keeps it as long as it lives.
  return requested.map(toPlayer);
}

function toPlayer({ userId, skill }: EnqueueRequest["players"][number]): Player {
  return { userId, skill };
}

/**
 * The request's latencies, checked. The request's own map is kept rather than copied: protobuf-es
 * decodes a map into a fresh plain object whose every key is an own property (a key like
 * "__proto__" included, then an unknown region), which is what a copy would be, and nothing else
 * holds it once the call is over.
 */
function checkedLatencies(latencyMs: EnqueueRequest["latencyMs"]): Readonly<Record<string, number>> {
  const regions = Object.keys(latencyMs);
  if (regions.length === 0) throw new InvalidArgumentError("latency_ms", "at least one region's latency is required");
  if (regions.length > LIMITS.regions) throw new InvalidArgumentError("latency_ms", `at most ${LIMITS.regions} regions are allowed`);
  for (const region of regions) {
    requireText(region, "latency_ms key", LIMITS.regionNameLength);
    if (latencyMs[region]! > LIMITS.latencyMs) {
      throw new InvalidArgumentError(`latency_ms["${region}"]`, `must be at most ${LIMITS.latencyMs} ms`);
    }
  }
  return latencyMs;
}
