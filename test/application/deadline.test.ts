import { afterEach, describe, expect, it, vi } from "vitest";
import { Deadline } from "../../src/application/deadline.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("Deadline", () => {
  it("aborts with a TimeoutError once its time is up, as AbortSignal.timeout does", () => {
    vi.useFakeTimers();
    const deadline = new Deadline(200);
    vi.advanceTimersByTime(199);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBeInstanceOf(DOMException);
    expect(deadline.signal.reason).toMatchObject({ name: "TimeoutError" });
  });

  it("never aborts once disposed, and leaves no timer behind", () => {
    vi.useFakeTimers();
    const aborted = vi.fn();
    {
      using deadline = new Deadline(200);
      deadline.signal.addEventListener("abort", aborted);
      vi.advanceTimersByTime(100);
    }
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(aborted).not.toHaveBeenCalled();
  });

  it("does not keep the process alive while it runs", () => {
    vi.useFakeTimers();
    const timers = vi.spyOn(globalThis, "setTimeout");
    using _deadline = new Deadline(200);
    expect(timers).toHaveBeenCalledOnce();
    const timer = timers.mock.results[0]!.value as ReturnType<typeof setTimeout>;
    expect(timer.hasRef()).toBe(false);
  });
});
