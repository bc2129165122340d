import { describe, expect, it } from "vitest";
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
