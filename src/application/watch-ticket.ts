import { isTerminal, type Ticket } from "../domain/ticket.ts";
import type { Caller } from "./caller.ts";
import { findAccessibleTicket } from "./get-ticket.ts";
import type { MatchmakingDeps } from "./matchmaking-deps.ts";
import type { Unsubscribe } from "./ports/ticket-events.ts";
import { nextProgressUpdateAt } from "./progress-updates.ts";
import { sameView, summarizeView, viewTicket, type TicketView, type ViewSummary } from "./ticket-view.ts";

/**
 * Streams a ticket's views: the current one, then one per visible change, ending after a terminal
 * state or when `signal` aborts. Changes of the ticket itself are sent as they happen; changes of
 * its queue progress alone at most once per {@link PROGRESS_UPDATE_INTERVAL_MS}.
 *
 * Entirely push-driven: the watcher wakes when the ticket changes or when a matching pass over its
 * queue may have moved its position, never on a timer of its own; a pass before the watcher's next
 * progress update is due costs it one clock read. It subscribes (on the first `next()`) before
 * reading the ticket so no change can slip between the read and the subscription, and keeps only
 * the newest version, so a slow consumer skips intermediate states instead of buffering them.
 */
export function watchTicket(deps: MatchmakingDeps, caller: Caller, ticketId: string, signal: AbortSignal): TicketWatch {
  return new TicketWatch(deps, caller, ticketId, signal);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The iterator behind {@link watchTicket}: a small record that ticket events, pass signals and the
 * abort signal write to, holding the newest ticket and at most one pending `next()`. A plain object
 * rather than an async generator, because every idle WatchTicket stream holds one for its whole life
 * and a suspended generator (its registers, a promise per wait and the closures around them) costs
 * several times its size (BENCHMARKS.md, benchmark 4).
 *
 * One consumer: a `next()` while another is pending is refused.
 */
export class TicketWatch implements AsyncIterableIterator<TicketView> {
  readonly #deps: MatchmakingDeps;
  readonly #caller: Caller;
  readonly #ticketId: string;
  readonly #signal: AbortSignal;
  /** The newest version seen, from the store or an event. */
  #latest: Ticket | undefined;
  /** Undefined until the first view is sent. */
  #sent: ViewSummary | undefined;
  /** Something may have changed since the last view was computed. */
  #pending = false;
  /** A view is being computed (or the ticket read): wake-ups only mark {@link #pending}. */
  #busy = false;
  #closed = false;
  #progressDueAt = Number.POSITIVE_INFINITY;
  /** The pending `next()`. */
  #resolve: ((result: IteratorResult<TicketView>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #unsubscribeTicket: Unsubscribe | undefined;
  #unsubscribePasses: Unsubscribe | undefined;
  readonly #onTicket = (ticket: Ticket): void => {
    if (this.#latest === undefined || ticket.version > this.#latest.version) {
      this.#latest = ticket;
      this.#wake();
    }
  };
  readonly #onPass = (): void => {
    if (this.#deps.clock.now() >= this.#progressDueAt) this.#wake();
  };

  constructor(deps: MatchmakingDeps, caller: Caller, ticketId: string, signal: AbortSignal) {
    this.#deps = deps;
    this.#caller = caller;
    this.#ticketId = ticketId;
    this.#signal = signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TicketView>> {
    if (this.#resolve !== undefined) return Promise.reject(new Error("a ticket watch takes one next() at a time"));
    if (this.#closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      const sent = this.#sent;
      if (sent === undefined) void this.#open();
      // Loop on what the watcher was last sent: a terminal state that arrived meanwhile is still sent.
      else if (isTerminal(sent.state) || this.#signal.aborted) this.#close(DONE);
      else if (this.#pending && !this.#busy) void this.#refresh();
    });
  }

  /** Stops watching; a pending `next()` ends with done. */
  async return(): Promise<IteratorResult<TicketView>> {
    if (!this.#closed) this.#close(DONE);
    return DONE;
  }

  /** The abort listener (an object rather than one more closure per watcher). */
  handleEvent(): void {
    this.#wake();
  }

  #wake(): void {
    this.#pending = true;
    if (this.#resolve !== undefined && !this.#busy) void this.#refresh();
  }

  #open(): Promise<void> {
    return this.#produce(async () => {
      const deps = this.#deps;
      this.#unsubscribeTicket = deps.events.subscribe(this.#ticketId, this.#onTicket);
      this.#signal.addEventListener("abort", this, { once: true });
      deps.metrics.watchStreams(1);
      const current = await findAccessibleTicket(deps, this.#caller, this.#ticketId);
      if (this.#closed) return undefined;
      if (this.#latest === undefined || current.version > this.#latest.version) this.#latest = current;
      this.#unsubscribePasses = deps.progress.onPass(current.queue, this.#onPass);
      return this.#view();
    });
  }

  /** Computes views after wake-ups until one tells the watcher something new. */
  #refresh(): Promise<void> {
    return this.#produce(async () => {
      let view: TicketView;
      do {
        if (!this.#pending || this.#closed) return undefined;
        this.#pending = false;
        if (this.#signal.aborted) {
          this.#close(DONE);
          return undefined;
        }
        view = await this.#view();
      } while (sameView(view, this.#sent!));
      return view;
    });
  }

  /** Runs `compute` as the one computation in progress, then sends the view it found, if any. */
  async #produce(compute: () => Promise<TicketView | undefined>): Promise<void> {
    this.#busy = true;
    let view: TicketView | undefined;
    try {
      view = await compute();
    } catch (error) {
      this.#busy = false;
      this.#fail(error);
      return;
    }
    // Not busy before the consumer hears of it: its next next() must see wake-ups from now on.
    this.#busy = false;
    if (view !== undefined) this.#deliver(view);
  }

  /** The caller's view of the newest version, now. */
  async #view(): Promise<TicketView> {
    const latest = this.#latest!;
    const now = this.#deps.clock.now();
    const view = await viewTicket(latest, this.#caller, this.#deps.progress, now);
    this.#progressDueAt = nextProgressUpdateAt(latest.createdAt, now);
    return view;
  }

  #deliver(view: TicketView): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#sent = summarizeView(view);
    this.#resolve = undefined;
    this.#reject = undefined;
    resolve({ done: false, value: view });
  }

  #fail(error: unknown): void {
    const reject = this.#reject;
    this.#close(undefined);
    reject?.(error);
  }

  /** Releases every subscription, once, and settles a pending `next()` with `result` if given. */
  #close(result: IteratorReturnResult<undefined> | undefined): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#reject = undefined;
    if (!this.#closed) {
      this.#closed = true;
      if (this.#unsubscribeTicket !== undefined) {
        this.#deps.metrics.watchStreams(-1);
        this.#signal.removeEventListener("abort", this);
        this.#unsubscribeTicket();
        this.#unsubscribePasses?.();
      }
    }
    if (result !== undefined) resolve?.(result);
  }
}
