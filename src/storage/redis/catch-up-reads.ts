import type { Logger } from "../../application/ports/logger.ts";
import type { Ticket } from "../../domain/ticket.ts";

/** Settings of {@link CatchUpReads}. */
export interface CatchUpReadsOptions {
  /** Reads the ticket as stored. */
  readonly read: (ticketId: string) => Promise<Ticket | undefined>;
  /** Whether the connection reads go through is up: a read that failed on a live one is retried. */
  readonly isLive: () => boolean;
  /** Reads in flight at most. */
  readonly concurrency: number;
  /** Pause before retrying a read that failed while the connection stayed up. */
  readonly retryMs: number;
  readonly logger: Logger;
}

/** One watcher's catch-up: ask for a read whenever its subscription (re)starts, stop when it leaves. */
export interface CatchUp {
  /** Reads the ticket (again) and hands it to the watcher; coalesced with a read already waiting. */
  request(): void;
  /** No read after this reaches the watcher. */
  stop(): void;
}

const IDLE = 0;
const QUEUED = 1;
const READING = 2;
/** Reading, and asked again meanwhile: the answer may predate what the new request is for. */
const READING_AGAIN = 3;

/** A watcher's place in the reads. */
class Follower implements CatchUp {
  state = IDLE;
  stopped = false;
  readonly ticketId: string;
  readonly deliver: (ticket: Ticket) => void;
  readonly gone: (() => void) | undefined;
  readonly #enqueue: (follower: Follower) => void;

  constructor(enqueue: (follower: Follower) => void, ticketId: string, deliver: (ticket: Ticket) => void, gone: (() => void) | undefined) {
    this.#enqueue = enqueue;
    this.ticketId = ticketId;
    this.deliver = deliver;
    this.gone = gone;
  }

  request(): void {
    this.#enqueue(this);
  }

  stop(): void {
    this.stopped = true;
  }
}

/**
 * The re-reads watchers make when their subscription starts, or starts again after Redis came back,
 * to catch up on changes published while they could not hear them.
 *
 * After an outage every watcher of an instance asks at once; sending ten thousand reads together
 * would queue them behind each other past the command deadline, and a read that timed out would
 * leave its watcher without the change it missed (a match assignment, say) until the next one. So
 * reads go out a bounded number at a time, a watcher's repeated requests collapse into one, and a
 * read that fails while the connection is up is retried; one that fails because the connection is
 * down waits for the reconnect, which asks again.
 */
export class CatchUpReads {
  readonly #options: CatchUpReadsOptions;
  readonly #waiting: Follower[] = [];
  #next = 0;
  #inFlight = 0;

  constructor(options: CatchUpReadsOptions) {
    this.#options = options;
  }

  /**
   * A catch-up for a watcher of `ticketId`; `deliver` gets each ticket read while it follows, and
   * `gone` is called when a read finds no such ticket.
   */
  follow(ticketId: string, deliver: (ticket: Ticket) => void, gone?: () => void): CatchUp {
    return new Follower(this.#enqueue, ticketId, deliver, gone);
  }

  readonly #enqueue = (follower: Follower): void => {
    if (follower.stopped) return;
    if (follower.state === READING) follower.state = READING_AGAIN;
    if (follower.state !== IDLE) return;
    follower.state = QUEUED;
    this.#waiting.push(follower);
    this.#pump();
  };

  #pump(): void {
    while (this.#inFlight < this.#options.concurrency && this.#next < this.#waiting.length) {
      const follower = this.#waiting[this.#next++]!;
      if (follower.stopped) continue;
      follower.state = READING;
      this.#inFlight++;
      void this.#read(follower);
    }
    if (this.#next === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#next = 0;
    }
  }

  async #read(follower: Follower): Promise<void> {
    let failed = false;
    try {
      const ticket = await this.#options.read(follower.ticketId);
      if (!follower.stopped) {
        if (ticket === undefined) follower.gone?.();
        else follower.deliver(ticket);
      }
    } catch (error) {
      failed = true;
      this.#options.logger.debug({ err: error, ticketId: follower.ticketId }, "catch-up read failed");
    }
    const askedAgain = follower.state === READING_AGAIN;
    follower.state = IDLE;
    this.#inFlight--;
    if (askedAgain) this.#enqueue(follower);
    else if (failed && this.#options.isLive()) setTimeout(() => this.#enqueue(follower), this.#options.retryMs).unref();
    this.#pump();
  }
}
