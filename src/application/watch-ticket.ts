import { isTerminal, type Ticket } from "../domain/ticket.ts";
import type { Caller } from "./caller.ts";
import { findAccessibleTicket } from "./get-ticket.ts";
import type { MatchmakingDeps } from "./matchmaking-deps.ts";
import { nextProgressUpdateAt } from "./progress-updates.ts";
import { sameView, viewTicket, type TicketView } from "./ticket-view.ts";

/**
 * Streams a ticket's views: the current one, then one per visible change, ending after a terminal
 * state or when `signal` aborts. Changes of the ticket itself are sent as they happen; changes of
 * its queue progress alone at most once per {@link PROGRESS_UPDATE_INTERVAL_MS}.
 *
 * Entirely push-driven: the watcher wakes when the ticket changes or when a matching pass over its
 * queue may have moved its position, never on a timer of its own; a pass before the watcher's next
 * progress update is due costs it one clock read. It subscribes before reading the ticket so no
 * change can slip between the read and the subscription, and keeps only the newest version, so a
 * slow consumer skips intermediate states instead of buffering them.
 */
export async function* watchTicket(
  deps: MatchmakingDeps,
  caller: Caller,
  ticketId: string,
  signal: AbortSignal,
): AsyncGenerator<TicketView, void, undefined> {
  let latest: Ticket | undefined;
  let pending = false;
  let wake: (() => void) | undefined;
  let progressDueAt = Number.POSITIVE_INFINITY;
  const notify = (): void => {
    pending = true;
    wake?.();
  };
  const unsubscribeTicket = deps.events.subscribe(ticketId, (ticket) => {
    if (latest === undefined || ticket.version > latest.version) {
      latest = ticket;
      notify();
    }
  });
  const onPass = (): void => {
    if (deps.clock.now() >= progressDueAt) notify();
  };
  signal.addEventListener("abort", notify, { once: true });
  let unsubscribePasses: (() => void) | undefined;
  deps.metrics.watchStreams(1);
  try {
    const current = await findAccessibleTicket(deps, caller, ticketId);
    if (latest === undefined || current.version > latest.version) latest = current;
    unsubscribePasses = deps.progress.onPass(current.queue, onPass);
    let now = deps.clock.now();
    let last = await viewTicket(latest, caller, deps.progress, now);
    progressDueAt = nextProgressUpdateAt(latest.createdAt, now);
    yield last;
    // Loop on what the watcher was last sent: a terminal state that arrived meanwhile is still sent.
    while (!isTerminal(last.state) && !signal.aborted) {
      if (!pending) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      pending = false;
      if (signal.aborted) return;
      now = deps.clock.now();
      const view = await viewTicket(latest, caller, deps.progress, now);
      progressDueAt = nextProgressUpdateAt(latest.createdAt, now);
      if (!sameView(view, last)) {
        last = view;
        yield view;
      }
    }
  } finally {
    deps.metrics.watchStreams(-1);
    signal.removeEventListener("abort", notify);
    unsubscribeTicket();
    unsubscribePasses?.();
  }
}
