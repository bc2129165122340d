import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { onStreamEnd } from "./stream-end.ts";

/** What streams still open at shutdown end with: clients retry UNAVAILABLE, here on another instance. */
const SHUTTING_DOWN = "server shutting down; reconnect to another instance";

/**
 * Admits calls until the server starts shutting down, then refuses new ones with UNAVAILABLE and
 * ends the open ones through {@link shutdownSignal}, which connect-node links into every handler's
 * signal. It counts calls in flight, streams until they end, so shutdown can wait for them.
 */
export class CallGate {
  readonly #shutdown = new AbortController();
  #inFlight = 0;
  #idle: (() => void)[] = [];

  /** Pass to connect-node's `shutdownSignal`; aborted with UNAVAILABLE when the gate closes. */
  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  get closed(): boolean {
    return this.#shutdown.signal.aborted;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * The interceptor that enforces the gate; `admitsWhileClosed` names methods still served while
   * shutting down (health checks, so load balancers see NOT_SERVING rather than an error).
   */
  interceptor(admitsWhileClosed: (method: DescMethod) => boolean): Interceptor {
    return (next) => async (request) => {
      if (this.closed && !admitsWhileClosed(request.method)) throw new ConnectError(SHUTTING_DOWN, Code.Unavailable);
      const done = this.#admit();
      try {
        const response = await next(request);
        if (!response.stream) {
          done();
          return response;
        }
        return { ...response, message: onStreamEnd(response.message, done) };
      } catch (error) {
        done();
        throw error;
      }
    };
  }

  /**
   * Counts a call in until the returned function is first called. A method rather than a closure
   * in the interceptor, so that a stream holding it does not hold its call's interceptor chain.
   */
  #admit(): () => void {
    this.#inFlight++;
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      if (--this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    };
  }

  /** Refuses new calls from now on and ends every open stream with UNAVAILABLE. */
  close(): void {
    if (!this.closed) this.#shutdown.abort(new ConnectError(SHUTTING_DOWN, Code.Unavailable));
  }

  /** Resolves once no call is in flight. */
  async idle(): Promise<void> {
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}
