import { describe, expect, it } from "vitest";
import { AllocationSlots } from "../../src/application/allocation-slots.ts";

const open = () => new AbortController().signal;

describe("AllocationSlots", () => {
  it("hands out its slots at once, then to the callers in line in the order they came", async () => {
    const slots = new AllocationSlots(2);
    expect(await slots.acquire(open())).toBe(true);
    expect(await slots.acquire(open())).toBe(true);
    const granted: string[] = [];
    const third = slots.acquire(open()).then((got) => granted.push(`third:${got}`));
    const fourth = slots.acquire(open()).then((got) => granted.push(`fourth:${got}`));
    await Promise.resolve();
    expect(granted).toEqual([]);
    slots.release();
    await third;
    expect(granted).toEqual(["third:true"]);
    slots.release();
    await fourth;
    expect(granted).toEqual(["third:true", "fourth:true"]);
  });

  it("takes a free slot without waiting, and none while the slots are taken, someone waits, or they are closed", async () => {
    const slots = new AllocationSlots(2);
    expect(slots.tryAcquire()).toBe(true);
    expect(await slots.acquire(open())).toBe(true);
    expect(slots.tryAcquire()).toBe(false);
    const waiting = slots.acquire(open());
    // The slot given back goes to the caller in line, not to a later tryAcquire.
    slots.release();
    expect(slots.tryAcquire()).toBe(false);
    expect(await waiting).toBe(true);
    slots.release();
    slots.close();
    expect(slots.tryAcquire()).toBe(false);
  });

  it("lets a caller whose deadline passes leave the line without a slot, and keeps the slot for the next", async () => {
    const slots = new AllocationSlots(1);
    await slots.acquire(open());
    const deadline = new AbortController();
    const late = slots.acquire(deadline.signal);
    const next = slots.acquire(open());
    deadline.abort();
    expect(await late).toBe(false);
    slots.release();
    expect(await next).toBe(true);
    // Nothing was lost or given twice: the one slot is taken again.
    let extra = false;
    void slots.acquire(open()).then(() => (extra = true));
    await Promise.resolve();
    expect(extra).toBe(false);
  });

  it("ignores an abort that comes after the slot was granted", async () => {
    const slots = new AllocationSlots(1);
    await slots.acquire(open());
    const deadline = new AbortController();
    const waiting = slots.acquire(deadline.signal);
    const behind = slots.acquire(open());
    slots.release();
    expect(await waiting).toBe(true);
    deadline.abort();
    // The caller behind is still in line, and gets the slot when it comes back.
    slots.release();
    expect(await behind).toBe(true);
  });

  it("turns away every caller in line, and every later one, once closed; slots held are still given back", async () => {
    const slots = new AllocationSlots(1);
    await slots.acquire(open());
    const waiting = [slots.acquire(open()), slots.acquire(open())];
    slots.close();
    expect(await Promise.all(waiting)).toEqual([false, false]);
    slots.release();
    expect(await slots.acquire(open())).toBe(false);
  });

  it("refuses a caller whose deadline has already passed, and a capacity below one", async () => {
    const slots = new AllocationSlots(1);
    expect(await slots.acquire(AbortSignal.abort())).toBe(false);
    expect(await slots.acquire(open())).toBe(true);
    expect(() => new AllocationSlots(0)).toThrow(RangeError);
  });
});
