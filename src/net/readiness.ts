import type { Unsubscribe } from "../application/ports/ticket-events.ts";

/** Whether the instance should get traffic, and why not. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly storeReachable: boolean;
}

/** Options of {@link Readiness}. */
export interface ReadinessOptions {
  /** Asks the store whether it answers (`Storage.ping`). */
  readonly ping: () => Promise<boolean>;
  /** A ping slower than this counts as unreachable: a probe must answer within its own timeout. */
  readonly pingTimeoutMs?: number;
}

const DEFAULT_PING_TIMEOUT_MS = 2000;

/**
 * Readiness of this instance: not draining and its store answering. Probes (`/readyz`, gRPC health
 * Check) ask afresh; gRPC health Watch streams follow changes, which {@link monitor} also looks for
 * on a timer so a store outage reaches watchers without anyone probing.
 */
export class Readiness {
  readonly #ping: () => Promise<boolean>;
  readonly #pingTimeoutMs: number;
  readonly #listeners = new Set<() => void>();
  #draining = false;
  #storeReachable = true;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ReadinessOptions) {
    this.#ping = options.ping;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  }

  /** The last known state, without asking the store. */
  get current(): ReadinessReport {
    return { ready: !this.#draining && this.#storeReachable, draining: this.#draining, storeReachable: this.#storeReachable };
  }

  /** Pings the store now and reports. */
  async check(): Promise<ReadinessReport> {
    const reachable = await this.#pingWithTimeout();
    this.#update(() => {
      this.#storeReachable = reachable;
    });
    return this.current;
  }

  /** Not ready from now on: the instance is shutting down. */
  drain(): void {
    this.#update(() => {
      this.#draining = true;
    });
  }

  /** Calls `listener` whenever readiness changes. */
  onChange(listener: () => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Checks the store every `intervalMs` until {@link stop}. */
  monitor(intervalMs: number): void {
    this.stop();
    this.#timer = setInterval(() => void this.check(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #update(change: () => void): void {
    const before = this.current.ready;
    change();
    if (this.current.ready !== before) for (const listener of this.#listeners) listener();
  }

  async #pingWithTimeout(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#pingTimeoutMs);
    });
    try {
      return await Promise.race([this.#ping().catch(() => false), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
