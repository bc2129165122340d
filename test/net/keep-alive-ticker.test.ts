import { describe, expect, it } from "vitest";
import { KeepAliveTicker, keepAliveTicker } from "../../src/net/keep-alive-ticker.ts";

describe("KeepAliveTicker", () => {
  it("calls back every idle stream once from one timer, skips cancelled ones, and stops when none is waiting", async () => {
    const ticker = new KeepAliveTicker(8);
    const calls: string[] = [];
    const cancelled = (): void => {
      calls.push("cancelled");
    };
    const bucket = ticker.schedule(cancelled);
    const fired = new Promise<void>((resolve) => {
      ticker.schedule(() => {
        calls.push("idle");
        resolve();
      });
    });
    expect(ticker.waiting).toBe(2);
    ticker.cancel(bucket, cancelled);
    expect(ticker.waiting).toBe(1);
    await fired;
    expect(calls).toEqual(["idle"]);
    expect(ticker.waiting).toBe(0);
  });

  it("lets a callback schedule the next keep-alive of its stream", async () => {
    const ticker = new KeepAliveTicker(4);
    let fired = 0;
    await new Promise<void>((resolve) => {
      const onIdle = (): void => {
        if (++fired === 3) resolve();
        else ticker.schedule(onIdle);
      };
      ticker.schedule(onIdle);
    });
    expect(fired).toBe(3);
    expect(ticker.waiting).toBe(0);
  });

  it("shares one ticker per interval across the process", () => {
    expect(keepAliveTicker(15_000)).toBe(keepAliveTicker(15_000));
    expect(keepAliveTicker(15_000)).not.toBe(keepAliveTicker(30_000));
  });
});
