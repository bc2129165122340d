import { Code, ConnectError } from "@connectrpc/connect";
import { getAbortSignalReason } from "@connectrpc/connect/protocol";
import type { HandlerContextController } from "./call-context.ts";

/**
 * Why a finished call's signal aborts (releasing its deadline timer); shared, because building an
 * AbortError per call is costly.
 */
export const CALL_COMPLETED = new ConnectError("the call has completed", Code.Canceled);

/** Why a call's signal aborts when its client goes away; built when that happens, not up front. */
export function clientCancelled(): ConnectError {
  return new ConnectError("the client cancelled the call", Code.Canceled);
}

/**
 * The calls in progress on a fast path, so that the shutdown signal reaches them all from one
 * listener. Handing the signal to each call's context instead (connect's `shutdownSignal`)
 * registers a listener per call on that one signal: a linear scan to add and remove each
 * (quadratic over 20,000 streams) and a listener record held by every open stream.
 */
export class OpenCalls {
  readonly #shutdownSignal: AbortSignal | undefined;
  readonly #open = new Set<HandlerContextController>();

  constructor(shutdownSignal: AbortSignal | undefined) {
    this.#shutdownSignal = shutdownSignal;
    shutdownSignal?.addEventListener(
      "abort",
      () => {
        const reason: unknown = getAbortSignalReason(shutdownSignal);
        for (const context of this.#open) context.abort(reason);
        this.#open.clear();
      },
      { once: true },
    );
  }

  /** Aborts `context` when the server drains, until {@link end}; at once if it is draining already. */
  start(context: HandlerContextController): void {
    if (this.#shutdownSignal?.aborted === true) context.abort(getAbortSignalReason(this.#shutdownSignal));
    else this.#open.add(context);
  }

  end(context: HandlerContextController): void {
    this.#open.delete(context);
  }
}
