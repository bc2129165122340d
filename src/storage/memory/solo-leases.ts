import type { MatchingLeases } from "../../application/ports/matching-leases.ts";

/** A single instance always holds every queue's lease. */
export class SoloLeases implements MatchingLeases {
  async hold(): Promise<number> {
    return 1;
  }

  async release(): Promise<void> {}
}
