/** The first pause of a region after its fleet fails to allocate. */
export const FIRST_PAUSE_MS = 1_000;
/**
 * The longest pause: a fleet that has recovered is asked again within this long. A failure more
 * than this long after the last pause ended starts a new row at {@link FIRST_PAUSE_MS}.
 */
export const LONGEST_PAUSE_MS = 16_000;

interface RegionPause {
  /** When the failure that began the pause happened (epoch ms). */
  readonly since: number;
  /** Matching leaves the region alone until this time (epoch ms). */
  readonly until: number;
  readonly lengthMs: number;
  /** False once an allocation has succeeded since: the next pause then starts a new row. */
  readonly inARow: boolean;
}

/**
 * The regions of each queue whose fleet has just failed to allocate a server, and until when
 * matching leaves them alone.
 *
 * Why: a match formed for a region without capacity comes back to the queue only after a round trip
 * to the fleet, and the next pass forms it again. Without a pause, a queue whose fleet is full or
 * misconfigured asks it for a server every tick for every waiting match: it loads the fleet when it
 * can least answer, and on an instance short of CPU every timeout turns into more work. A pause
 * sheds that work; the tickets that may also play in another region are matched there meanwhile.
 *
 * A pause runs its length whatever answers arrive meanwhile: those are of matches formed before it
 * began, which were already at the fleet (those still waiting for an allocation slot are requeued
 * without asking it, see `MatchPlacement`). Their failures do not lengthen it, however late they come
 * (a timeout comes after the whole allocation timeout), and their successes do not end it (a nearly
 * full fleet that frees one server would otherwise get the whole backlog again at once). A failure
 * of a match formed after the pause began, so after it ended, starts the next pause of the row at
 * twice the length, up to {@link LONGEST_PAUSE_MS}; a success in between starts a new row.
 *
 * Each instance keeps its own pauses, for the queues whose matching lease it holds: a new lease
 * holder starts without them, and asks the fleet once before pausing in turn.
 */
export class AllocationBackoff {
  /** By queue, then region. */
  readonly #pauses = new Map<string, Map<string, RegionPause>>();

  /**
   * Records that the fleet could not allocate a server for a match of `queue` in `region`, formed
   * at `formedAt` and failed at `now`. Returns the length of the pause this begins, or undefined
   * when the failure belongs to a pause already begun.
   */
  failed(queue: string, region: string, formedAt: number, now: number): number | undefined {
    let pauses = this.#pauses.get(queue);
    if (pauses === undefined) {
      pauses = new Map();
      this.#pauses.set(queue, pauses);
    }
    const previous = current(pauses.get(region), now);
    if (previous !== undefined && formedAt <= previous.since) return undefined;
    const continues = previous !== undefined && previous.inARow && now - previous.until <= LONGEST_PAUSE_MS;
    const lengthMs = continues ? Math.min(2 * previous.lengthMs, LONGEST_PAUSE_MS) : FIRST_PAUSE_MS;
    pauses.set(region, { since: now, until: now + lengthMs, lengthMs, inARow: true });
    return lengthMs;
  }

  /** Records that the fleet allocated a server in `region` of `queue`: the next pause starts a new row. */
  succeeded(queue: string, region: string): void {
    const pauses = this.#pauses.get(queue);
    const pause = pauses?.get(region);
    if (pause !== undefined && pause.inARow) pauses!.set(region, { ...pause, inARow: false });
  }

  /** The regions of `queue` that matching leaves alone at `now`. */
  paused(queue: string, now: number): string[] {
    const paused: string[] = [];
    for (const [region, pause] of this.#pauses.get(queue) ?? []) {
      if (current(pause, now) !== undefined && now < pause.until) paused.push(region);
    }
    return paused;
  }
}

/**
 * The pause unless the clock has gone back past its start (a wall-clock step): it is then dropped,
 * so that a step back of an hour does not leave the region alone for an hour.
 */
function current(pause: RegionPause | undefined, now: number): RegionPause | undefined {
  return pause !== undefined && now >= pause.since ? pause : undefined;
}
