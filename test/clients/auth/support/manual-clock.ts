import type { Clock } from "../../../../src/application/ports/clock.ts";

/** A clock tests move by hand, so expiry and refresh timing need no sleeps. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advanceSeconds(seconds: number): void {
    this.#now += seconds * 1000;
  }
}
