/**
 * Key of `AllocatedServer.details` that holds the match id. Fleets need it to release the slot,
 * and the port's `AllocatedServer` is stored as plain data, so the id travels in `details`.
 */
export const matchIdDetail = "matchId";

/** A server's labels as `details` entries, prefixed `label.` so they cannot clash with other keys. */
export function labelDetails(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([key, value]) => [`label.${key}`, value]));
}
