import type { EnqueueCommand } from "../application/enqueue-ticket.ts";
import { InvalidArgumentError } from "../application/errors.ts";
import type { EnqueueRequest } from "../gen/matchmaking/v1/matchmaking_pb.js";
import { LIMITS, optionalText, requireText } from "./request-fields.ts";

/**
 * Checks the shape of an Enqueue request and turns it into a command. Queue-specific rules
 * (party size, known regions) are the application's; this catches what no queue could accept.
 */
export function toEnqueueCommand(request: EnqueueRequest): EnqueueCommand {
  const queue = requireText(request.queue, "queue", LIMITS.queueNameLength);
  if (request.players.length === 0) throw new InvalidArgumentError("players", "at least one player is required");
  if (request.players.length > LIMITS.players) {
    throw new InvalidArgumentError("players", `at most ${LIMITS.players} players are allowed`);
  }
  const seen = new Map<string, number>();
  const players = request.players.map((player, index) => {
    const userId = requireText(player.userId, `players[${index}].user_id`, LIMITS.idLength);
    const first = seen.get(userId);
    if (first !== undefined) throw new InvalidArgumentError(`players[${index}].user_id`, `duplicates players[${first}].user_id "${userId}"`);
    seen.set(userId, index);
    const skill = player.skill;
    if (!Number.isFinite(skill)) throw new InvalidArgumentError(`players[${index}].skill`, "must be a finite number");
    if (skill < 0 || skill > LIMITS.skill) {
      throw new InvalidArgumentError(`players[${index}].skill`, `must be between 0 and ${LIMITS.skill}`);
    }
    return { userId, skill };
  });
  const regions = Object.entries(request.latencyMs);
  if (regions.length === 0) throw new InvalidArgumentError("latency_ms", "at least one region's latency is required");
  if (regions.length > LIMITS.regions) throw new InvalidArgumentError("latency_ms", `at most ${LIMITS.regions} regions are allowed`);
  for (const [region, latency] of regions) {
    requireText(region, "latency_ms key", LIMITS.regionNameLength);
    if (latency > LIMITS.latencyMs) {
      throw new InvalidArgumentError(`latency_ms["${region}"]`, `must be at most ${LIMITS.latencyMs} ms`);
    }
  }
  // fromEntries defines own properties, so a key like "__proto__" stays a key (and is then an unknown region).
  const latencyMs: Record<string, number> = Object.fromEntries(regions);
  return {
    queue,
    players,
    partyId: optionalText(request.partyId, "party_id", LIMITS.idLength),
    latencyMs,
    requestId: optionalText(request.requestId, "request_id", LIMITS.idLength),
  };
}
