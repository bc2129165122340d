import { describe, expect, it } from "vitest";
import type { PullSource } from "../../src/net/pull-source.ts";
import { withKeepAlive } from "../support/pass-through-stream.ts";

/** A source the test feeds by hand, recording whether it was finalized. */
class ManualSource implements AsyncIterable<string> {
  finalized = false;
  readonly #values: string[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  push(value: string): void {
    this.#values.push(value);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    try {
      for (;;) {
        const value = this.#values.shift();
        if (value !== undefined) yield value;
        else if (this.#ended) return;
        else await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      this.finalized = true;
    }
  }
}

/**
 * A source read by callbacks, as the application's ticket watch is: it answers a pull at once when a
 * value is waiting (before `pull` returns), else when the test pushes one.
 */
class CallbackSource implements AsyncIterableIterator<string>, PullSource<string> {
  readonly #waiting: IteratorResult<string>[] = [];
  #pending: ((result: IteratorResult<string>) => void) | undefined;

  push(value: string): void {
    this.#settle({ done: false, value });
  }

  end(): void {
    this.#settle({ done: true, value: undefined });
  }

  pull(onResult: (result: IteratorResult<string>) => void): void {
    const waiting = this.#waiting.shift();
    if (waiting !== undefined) onResult(waiting);
    else this.#pending = onResult;
  }

  next(): Promise<IteratorResult<string>> {
    throw new Error("a callback source is read by pull");
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #settle(result: IteratorResult<string>): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) pending(result);
    else this.#waiting.push(result);
  }
}

const PING = "ping";

describe("KeepAliveStream", () => {
  it("passes values through in order and ends with the source", async () => {
    const source = new ManualSource();
    source.push("a");
    source.push("b");
    source.end();
    const seen: string[] = [];
    for await (const value of withKeepAlive(source, 60_000, () => PING)) seen.push(value);
    expect(seen).toEqual(["a", "b"]);
    expect(source.finalized).toBe(true);
  });

  it("sends a keep-alive after each idle interval and still delivers the value the source was waiting for", async () => {
    const source = new ManualSource();
    const stream = withKeepAlive(source, 5, () => PING);
    source.push("first");
    expect(await stream.next()).toEqual({ done: false, value: "first" });
    expect(await stream.next()).toEqual({ done: false, value: PING });
    expect(await stream.next()).toEqual({ done: false, value: PING });
    source.push("second");
    expect(await stream.next()).toEqual({ done: false, value: "second" });
    source.end();
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("sends nothing extra when the interval is 0", async () => {
    const source = new ManualSource();
    const stream = withKeepAlive(source, 0, () => PING);
    const next = stream.next();
    source.push("only");
    expect(await next).toEqual({ done: false, value: "only" });
    source.end();
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("finalizes the source when the consumer stops early", async () => {
    const source = new ManualSource();
    source.push("a");
    for await (const value of withKeepAlive(source, 60_000, () => PING)) {
      expect(value).toBe("a");
      break;
    }
    expect(source.finalized).toBe(true);
  });

  it("reads a source by its callbacks, whether it answers at once or later", async () => {
    const source = new CallbackSource();
    source.push("ready");
    const stream = withKeepAlive(source, 60_000, () => PING);
    expect(await stream.next()).toEqual({ done: false, value: "ready" });
    const later = stream.next();
    source.push("later");
    expect(await later).toEqual({ done: false, value: "later" });
    source.end();
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("can be read by callbacks itself, answered before pull returns when a value is waiting", async () => {
    const source = new CallbackSource();
    source.push("ready");
    const stream = withKeepAlive(source, 60_000, () => PING);
    const seen: IteratorResult<string>[] = [];
    stream.pull((result) => seen.push(result), () => {});
    expect(seen).toEqual([{ done: false, value: "ready" }]);
    stream.pull((result) => seen.push(result), () => {});
    expect(seen).toHaveLength(1);
    source.push("later");
    expect(seen).toEqual([
      { done: false, value: "ready" },
      { done: false, value: "later" },
    ]);
  });

  it("passes the source's error on", async () => {
    async function* failing(): AsyncGenerator<string, void, undefined> {
      yield "a";
      throw new Error("store unreachable");
    }
    const seen: string[] = [];
    const consume = async (): Promise<void> => {
      for await (const value of withKeepAlive(failing(), 60_000, () => PING)) seen.push(value);
    };
    await expect(consume()).rejects.toThrow("store unreachable");
    expect(seen).toEqual(["a"]);
  });
});
