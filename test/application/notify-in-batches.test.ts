import { describe, expect, it } from "vitest";
import { NOTIFY_BATCH_SIZE, notifyInBatches } from "../../src/application/notify-in-batches.ts";

describe("notifyInBatches", () => {
  it("calls every listener once, a bounded batch per event-loop turn, letting I/O run in between", async () => {
    const calls: number[] = [];
    const listeners = Array.from({ length: 2 * NOTIFY_BATCH_SIZE + 10 }, (_, index) => () => calls.push(index));
    notifyInBatches(listeners);
    expect(calls).toHaveLength(NOTIFY_BATCH_SIZE);
    // Work queued meanwhile (as I/O would be) runs between batches, before all listeners are done.
    const between = new Promise<number>((resolve) => setImmediate(() => resolve(calls.length)));
    expect(await between).toBe(2 * NOTIFY_BATCH_SIZE);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(listeners.map((_, index) => index));
  });
});
