import { isTerminal, type Ticket, type TicketState } from "../domain/ticket.ts";
import type { Caller } from "./caller.ts";
import { findAccessibleTicket } from "./get-ticket.ts";
import { NotFoundError, UnavailableError } from "./errors.ts";
import type { MatchmakingDeps } from "./matchmaking-deps.ts";
import type { Unsubscribe } from "./ports/ticket-events.ts";
import { nextProgressUpdateAt } from "./progress-updates.ts";
import { viewTicket, type TicketView } from "./ticket-view.ts";

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
 * several times its size (BENCHMARKS.md, benchmark 4). For the same reason a wake-up computes and
 * delivers its view synchronously while the queue progress answers synchronously (in memory): an
 * update costs its view, not a chain of promises.
 *
 * One consumer: a `next()` (or `pull`) while another is pending is refused.
 */
export class TicketWatch implements AsyncIterableIterator<TicketView> {
  readonly #deps: MatchmakingDeps;
  readonly #caller: Caller;
  readonly #ticketId: string;
  readonly #signal: AbortSignal;
  /** The newest version seen, from the store or an event. */
  #latest: Ticket | undefined;
  /**
   * What the watcher was last sent, as far as telling it something new goes: not the whole view,
   * which every idle watcher would hold (with its player list) for its whole life, and fields rather
   * than an object per view sent. The state is undefined until the first view is sent.
   */
  #sentState: TicketState | undefined;
  #sentPosition = 0;
  #sentEstimatedWaitMs: number | undefined;
  #sentMatchId: string | undefined;
  /** Something may have changed since the last view was computed. */
  #pending = false;
  /** The store no longer has the ticket (see `TicketEvents.subscribe`): the watch ends with NOT_FOUND. */
  #gone = false;
  /** A view is being computed (or the ticket read): wake-ups only mark {@link #pending}. */
  #busy = false;
  #closed = false;
  #progressDueAt = Number.POSITIVE_INFINITY;
  /** The pending `next()` (or `pull`). */
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
  readonly #onGone = (): void => {
    this.#gone = true;
    this.#wake();
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
    return new Promise((resolve, reject) => this.pull(resolve, reject));
  }

  /**
   * `next()` without its promise: the result goes to `onResult` (a failure to `onError`), before
   * `pull` returns if it is ready. For an adapter serving thousands of watches, which would
   * otherwise make a promise and a reaction per view sent, and hold them for every idle watch.
   */
  pull(onResult: (result: IteratorResult<TicketView>) => void, onError: (error: unknown) => void): void {
    if (this.#resolve !== undefined) {
      onError(new Error("a ticket watch takes one next() at a time"));
      return;
    }
    if (this.#closed) {
      onResult(DONE);
      return;
    }
    this.#resolve = onResult;
    this.#reject = onError;
    const sent = this.#sentState;
    if (sent === undefined) this.#open();
    // Loop on what the watcher was last sent: a terminal state that arrived meanwhile is still sent.
    else if (isTerminal(sent) || this.#signal.aborted) this.#close(DONE);
    else if (this.#pending && !this.#busy) this.#refresh();
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
    if (this.#resolve !== undefined && !this.#busy) this.#refresh();
  }

  /** On the first pull: subscribes, then reads the ticket. */
  #open(): void {
    this.#busy = true;
    const deps = this.#deps;
    try {
      this.#unsubscribeTicket = deps.events.subscribe(this.#ticketId, this.#onTicket, this.#onGone);
      this.#signal.addEventListener("abort", this, { once: true });
      deps.metrics.watchStreams(1);
    } catch (error) {
      this.#fail(error);
      return;
    }
    findAccessibleTicket(deps, this.#caller, this.#ticketId).then(
      (current) => this.#opened(current),
      (error: unknown) => this.#fail(error),
    );
  }

  /** The ticket was read (after subscribing): watch its queue's passes and send the first view. */
  #opened(current: Ticket): void {
    if (this.#closed) {
      this.#busy = false;
      return;
    }
    if (this.#latest === undefined || current.version > this.#latest.version) this.#latest = current;
    let view: TicketView | Promise<TicketView>;
    try {
      this.#unsubscribePasses = this.#deps.progress.onPass(current.queue, this.#onPass);
      view = this.#view();
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (view instanceof Promise) view.then((view) => this.#send(view), (error: unknown) => this.#fail(error));
    else this.#send(view);
  }

  /**
   * Computes views after wake-ups until one tells the watcher something new, and sends it. Runs
   * synchronously while the views do (queue progress in memory): no promise or closure per update.
   */
  #refresh(): void {
    this.#busy = true;
    try {
      while (this.#pending && !this.#closed) {
        this.#pending = false;
        if (this.#signal.aborted) {
          this.#close(DONE);
          break;
        }
        // A terminal state that came before the loss is still sent (the next pull ends the watch).
        if (this.#gone && !isTerminal(this.#latest!.state)) {
          this.#fail(new NotFoundError(`ticket "${this.#ticketId}" no longer exists: the matchmaker's store lost it; enqueue again`));
          return;
        }
        const view = this.#view();
        if (view instanceof Promise) {
          view.then((view) => this.#offer(view), (error: unknown) => this.#skipUpdate(error));
          return;
        }
        if (!this.#alreadySent(view)) {
          this.#send(view);
          return;
        }
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#busy = false;
  }

  /**
   * An update whose view could not be computed because the store did not answer (its queue position,
   * during a Redis outage) is skipped: the watch goes on, and the next change or pass tries again.
   * Ending it would send every watcher of the instance away at the first slow answer. Other errors
   * end the watch.
   */
  #skipUpdate(error: unknown): void {
    if (!(error instanceof UnavailableError)) {
      this.#fail(error);
      return;
    }
    this.#busy = false;
    if (this.#pending && this.#resolve !== undefined) this.#refresh();
  }

  /** A view that arrived later: sent if it is news, else the refresh goes on with the wake-ups since. */
  #offer(view: TicketView): void {
    if (this.#alreadySent(view)) this.#refresh();
    else this.#send(view);
  }

  /** The caller's view of the newest version, now. */
  #view(): TicketView | Promise<TicketView> {
    const latest = this.#latest!;
    const now = this.#deps.clock.now();
    const view = viewTicket(latest, this.#caller, this.#deps.progress, now);
    return view instanceof Promise ? view.then((view) => this.#viewed(view, latest, now)) : this.#viewed(view, latest, now);
  }

  /** Notes when the watcher of a view made at `now` is due its next progress update. */
  #viewed(view: TicketView, latest: Ticket, now: number): TicketView {
    this.#progressDueAt = nextProgressUpdateAt(latest.createdAt, now);
    return view;
  }

  /** Ends the computation in progress with a view to send. */
  #send(view: TicketView): void {
    // Not busy before the consumer hears of it: its next next() must see wake-ups from now on.
    this.#busy = false;
    this.#deliver(view);
  }

  /** Whether `view` would tell the watcher nothing it was not sent already. */
  #alreadySent(view: TicketView): boolean {
    return (
      view.state === this.#sentState &&
      view.position === this.#sentPosition &&
      view.estimatedWaitMs === this.#sentEstimatedWaitMs &&
      view.assignment?.matchId === this.#sentMatchId
    );
  }

  #deliver(view: TicketView): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#sentState = view.state;
    this.#sentPosition = view.position;
    this.#sentEstimatedWaitMs = view.estimatedWaitMs;
    this.#sentMatchId = view.assignment?.matchId;
    this.#resolve = undefined;
    this.#reject = undefined;
    resolve({ done: false, value: view });
  }

  /** Ends the computation in progress, and the watch, with an error. */
  #fail(error: unknown): void {
    this.#busy = false;
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
