import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** One pino line. */
export type LogEntry = Record<string, unknown> & { readonly msg?: string };

/** The JSON log lines a child process writes, kept in order and awaitable. */
export class JsonLogLines {
  readonly entries: LogEntry[] = [];
  readonly #waiters: { readonly matches: (entry: LogEntry) => boolean; readonly resolve: (entry: LogEntry) => void }[] = [];
  readonly closed: Promise<void>;

  constructor(stream: Readable) {
    const lines = createInterface({ input: stream });
    lines.on("line", (line) => {
      const entry = JSON.parse(line) as LogEntry;
      this.entries.push(entry);
      for (const waiter of this.#waiters.filter((candidate) => candidate.matches(entry))) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
    });
    this.closed = new Promise((resolve) => lines.once("close", resolve));
  }

  /** The first line (already written or still to come) with this message. */
  waitFor(msg: string, matches: (entry: LogEntry) => boolean = () => true): Promise<LogEntry> {
    const test = (entry: LogEntry): boolean => entry.msg === msg && matches(entry);
    const seen = this.entries.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ matches: test, resolve });
      void this.closed.then(() => reject(new Error(`the process ended without logging "${msg}"`)));
    });
  }
}
