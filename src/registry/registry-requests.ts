import type {
  AllocateRequest,
  RegisterServerRequest,
  ReleaseRequest,
} from "../gen/gameserver/v1/registry_pb.js";
import type { GameServerRegistration, SlotRequest } from "./game-server-pool.ts";

/** A request field failed a check; the message starts with the field's path. */
export class InvalidFieldError extends Error {
  override readonly name = "InvalidFieldError";
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}

const maxIdLength = 128;
const maxHostLength = 253;
/** Generous upper bound that still catches a unit mix-up (players or bytes instead of matches). */
const maxCapacity = 10_000;

function requireId(value: string, field: string): string {
  if (value.length === 0) throw new InvalidFieldError(field, "is required");
  if (value.length > maxIdLength) throw new InvalidFieldError(field, `must be at most ${maxIdLength} characters`);
  return value;
}

function requireText(value: string, field: string): string {
  if (value.trim().length === 0) throw new InvalidFieldError(field, "is required");
  return value;
}

function requireRange(value: number, field: string, min: number, max: number): number {
  if (value < min || value > max) throw new InvalidFieldError(field, `must be between ${min} and ${max}`);
  return value;
}

function checkLabels(labels: { [key: string]: string }, field: string): Record<string, string> {
  if (Object.keys(labels).some((key) => key.length === 0)) throw new InvalidFieldError(field, "keys must not be empty");
  return { ...labels };
}

/** Checks a RegisterServer request and turns it into a pool registration. */
export function registrationFromRequest(request: RegisterServerRequest): GameServerRegistration {
  const serverId = requireId(request.serverId, "server_id");
  if (!request.address) throw new InvalidFieldError("address", "is required");
  const host = requireText(request.address.host, "address.host");
  if (host.length > maxHostLength) throw new InvalidFieldError("address.host", `must be at most ${maxHostLength} characters`);
  const port = requireRange(request.address.port, "address.port", 1, 65_535);
  const region = requireText(request.region, "region");
  const capacity = requireRange(request.capacity, "capacity", 1, maxCapacity);
  const labels = checkLabels(request.labels, "labels");
  return { serverId, host, port, region, capacity, labels };
}

/** Checks the `server_id` of Heartbeat and DeregisterServer. */
export function serverIdFromRequest(request: { readonly serverId: string }): string {
  return requireId(request.serverId, "server_id");
}

/** Checks an Allocate request and turns it into a slot request. */
export function slotRequestFromRequest(request: AllocateRequest): SlotRequest {
  return {
    matchId: requireId(request.matchId, "match_id"),
    queue: requireText(request.queue, "queue"),
    region: requireText(request.region, "region"),
    playerCount: requireRange(request.playerCount, "player_count", 1, maxCapacity),
    labels: checkLabels(request.labels, "labels"),
  };
}

/** Checks a Release request; an empty `server_id` means "whichever server holds the match". */
export function releaseFromRequest(request: ReleaseRequest): { matchId: string; serverId: string | undefined } {
  const matchId = requireId(request.matchId, "match_id");
  const serverId = request.serverId === "" ? undefined : requireId(request.serverId, "server_id");
  return { matchId, serverId };
}
