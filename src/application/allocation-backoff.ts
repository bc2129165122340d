/** The first pause of a region after its fleet fails to allocate. */
export const FIRST_PAUSE_MS = 1_000;
/** The longest pause: a fleet that has recovered is asked again within this long. */
export const LONGEST_PAUSE_MS = 16_000;

interface Pause {
  /** Matching leaves the region alone until this time (epoch ms). */
  readonly until: number;
  readonly lengthMs: number;
}

/**
 * The regions of each queue whose fleet has just failed to allocate a server, and until when
 * matching leaves them alone.
 *
 * Why: a match formed for a region without capacity comes back to the queue only after a round trip
 * to the fleet, and the next pass forms it again. Without a pause, a queue whose fleet is full asks
 * it for a server every tick for every waiting match: it loads the fleet when it can least answer,
 * and on an instance short of CPU every timeout turns into more work. A pause sheds that work; the
 * tickets that may also play in another region are matched there meanwhile.
 *
 * The pause doubles with each failure in a row, up to {@link LONGEST_PAUSE_MS}, and ends at the first
 * success. Failures of matches formed before a pause began (they were already at the fleet) do not
 * lengthen it: only a failure once the pause is over counts as the next one in the row.
 */
export class AllocationBackoff {
  /** By queue, then region. */
  readonly #pauses = new Map<string, Map<string, Pause>>();

  /**
   * Records that the fleet could not allocate for `region` of `queue` at `now`. Returns the length
   * of the pause this starts, or undefined when a pause is already running.
   */
  failed(queue: string, region: string, now: number): number | undefined {
    let pauses = this.#pauses.get(queue);
    if (pauses === undefined) {
      pauses = new Map();
      this.#pauses.set(queue, pauses);
    }
    const previous = pauses.get(region);
    if (previous !== undefined && now < previous.until) return undefined;
    const lengthMs = previous === undefined ? FIRST_PAUSE_MS : Math.min(2 * previous.lengthMs, LONGEST_PAUSE_MS);
    pauses.set(region, { until: now + lengthMs, lengthMs });
    return lengthMs;
  }

  /** Records that the fleet allocated for `region` of `queue`: its pauses start over. */
  succeeded(queue: string, region: string): void {
    this.#pauses.get(queue)?.delete(region);
  }

  /** The regions of `queue` that matching leaves alone at `now`. */
  paused(queue: string, now: number): string[] {
    const paused: string[] = [];
    for (const [region, pause] of this.#pauses.get(queue) ?? []) if (now < pause.until) paused.push(region);
    return paused;
  }
}
