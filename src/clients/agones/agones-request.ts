import { create } from "@bufbuild/protobuf";
import type { AllocationRequest as MatchAllocationRequest } from "../../application/ports/game-server-allocator.ts";
import {
  type AllocationRequest,
  AllocationRequest_SchedulingStrategy,
  AllocationRequestSchema,
} from "../../gen/allocation/allocation_pb.js";

/** Agones' scheduling strategies, spelled as in its API. */
export type AgonesScheduling = "Packed" | "Distributed";

/** What the adapter puts in every request, from configuration. */
export interface AgonesRequestSettings {
  readonly namespace: string;
  /** The GameServer label that holds the region, for example `region` or `topology.kubernetes.io/region`. */
  readonly regionLabelKey: string;
  /** Labels every allocated server must also carry, for example `{ "agones.dev/fleet": "arena" }`. */
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly scheduling: AgonesScheduling;
  /** Prefix of the label and annotation keys written onto the GameServer, for example `matchmaker/`. */
  readonly metadataPrefix: string;
}

/** Kubernetes label values: at most 63 characters, alphanumeric at both ends, `-_.` inside. */
const labelValuePattern = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Builds the Agones request for a match.
 *
 * The selector requires the region label (plus configured and per-request labels). The match id is
 * written as a label when it is a valid label value, so that a game server or an operator can
 * select by it, and always as an annotation, next to the queue and the player count, so that the
 * game server learns which match it hosts through the Agones SDK.
 */
export function agonesAllocationRequest(match: MatchAllocationRequest, settings: AgonesRequestSettings): AllocationRequest {
  const prefix = settings.metadataPrefix;
  const labels: Record<string, string> = {};
  if (labelValuePattern.test(match.matchId)) labels[`${prefix}match-id`] = match.matchId;
  return create(AllocationRequestSchema, {
    namespace: settings.namespace,
    scheduling:
      settings.scheduling === "Distributed"
        ? AllocationRequest_SchedulingStrategy.Distributed
        : AllocationRequest_SchedulingStrategy.Packed,
    gameServerSelectors: [
      { matchLabels: { ...settings.matchLabels, ...match.labels, [settings.regionLabelKey]: match.region } },
    ],
    metadata: {
      labels,
      annotations: {
        [`${prefix}match-id`]: match.matchId,
        [`${prefix}queue`]: match.queue,
        [`${prefix}player-count`]: String(match.playerCount),
      },
    },
  });
}
