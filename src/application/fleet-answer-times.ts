/** An allocation the fleet has not answered yet. */
export interface OpenCall {
  readonly askedAt: number;
}

/**
 * Weight of each new answer time in the moving average: about the last eight answers count (the
 * weight TCP gives each round-trip sample), so that one slow answer does not shrink a fleet's line.
 */
const WEIGHT = 1 / 8;

/**
 * How long a fleet takes to answer an allocation, which sizes the line of matches waiting for it
 * (see `MatchPlacement.reserve`).
 *
 * A moving average of answer times alone would miss the fleet that stops answering: no answer, no
 * new sample, and the line would be filled for a fleet that was fast once. So silence counts too:
 * while calls are open and none has been answered for longer than the average, the fleet is taken to
 * be as slow as that silence. One hung call among others answered on time is not silence, nor is the
 * tail of an answer-time spread: only the time since the last answer of any call is.
 * And only successes move the average down: a refusal in a millisecond says nothing of how fast the
 * fleet places a match, and would make the line longest just when the region gets paused.
 */
export class FleetAnswerTimes {
  #averageMs: number | undefined;
  #lastAnswerAt = Number.NEGATIVE_INFINITY;
  /** In the order asked (a Set keeps insertion order), so the first is the oldest. */
  readonly #open = new Set<OpenCall>();

  /** Notes an allocation asked for at `now`; its answer goes to {@link answered}. */
  asked(now: number): OpenCall {
    const call = { askedAt: now };
    this.#open.add(call);
    return call;
  }

  /**
   * Notes the fleet's answer to `call` at `now`: a success moves the average toward its time, a
   * failure only when it took longer than the average (a timeout: the fleet is slow). Until a first
   * success there is no average.
   */
  answered(call: OpenCall, now: number, succeeded: boolean): void {
    this.#open.delete(call);
    this.#lastAnswerAt = Math.max(this.#lastAnswerAt, now);
    const answerMs = Math.max(0, now - call.askedAt);
    if (this.#averageMs === undefined) {
      if (succeeded) this.#averageMs = answerMs;
    } else if (succeeded || answerMs > this.#averageMs) {
      this.#averageMs += WEIGHT * (answerMs - this.#averageMs);
    }
  }

  /**
   * How long an answer is expected to take at `now`: the average, or longer while the fleet has been
   * silent longer than that (calls open, the oldest for that long, and no answer since). Undefined
   * until the fleet has allocated a server once.
   */
  expectedMs(now: number): number | undefined {
    if (this.#averageMs === undefined) return undefined;
    const oldest = this.#open.values().next();
    if (oldest.done === true) return this.#averageMs;
    const silentMs = Math.min(now - oldest.value.askedAt, now - this.#lastAnswerAt);
    return Math.max(this.#averageMs, silentMs);
  }
}
