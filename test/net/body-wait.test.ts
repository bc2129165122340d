import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { EventEmitter } from "node:events";
import http2 from "node:http2";
import { BODY_WAIT_MS, limitBodyWait, MAX_PENDING_BODIES, MAX_PENDING_BODIES_PER_CONNECTION, watchBodyWait, type CallDeadline, type StreamedRequest } from "../../src/net/body-wait.ts";

/** A call with `signal`, with a deadline unless told otherwise. */
function call(signal: AbortSignal, deadline = true): CallDeadline {
  return { signal, timeoutMs: () => (deadline ? 1_000 : undefined) };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  // Every wait a test left runs out, and the sweeper stops with the last: the next test starts a new one.
  vi.advanceTimersByTime(2 * BODY_WAIT_MS);
  vi.useRealTimers();
});

describe("watchBodyWait", () => {
  it("fails a body that has not ended after BODY_WAIT_MS, with no deadline, and not before", () => {
    const failures: unknown[] = [];
    watchBodyWait(call(new AbortController().signal, false), (error) => failures.push(error));

    vi.advanceTimersByTime(BODY_WAIT_MS - 1);
    expect(failures).toEqual([]);
    // Looked at once a second: within a second of its time.
    vi.advanceTimersByTime(1_000);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: Code.DeadlineExceeded, rawMessage: "the request's body did not arrive within 30 s" });
  });

  it("fails at the call's deadline, and leaves other aborts (the server draining) to the read", () => {
    const failures: unknown[] = [];
    const draining = new AbortController();
    watchBodyWait(call(draining.signal), (error) => failures.push(error));
    draining.abort(new ConnectError("server shutting down", Code.Unavailable));
    expect(failures).toEqual([]);

    const deadline = new AbortController();
    const expired = new ConnectError("the operation timed out", Code.DeadlineExceeded);
    watchBodyWait(call(deadline.signal), (error) => failures.push(error));
    deadline.abort(expired);
    expect(failures).toEqual([expired]);
  });

  it("fails a read whose deadline had passed before it began, once the caller has set it up", async () => {
    const failures: unknown[] = [];
    const expired = new ConnectError("the operation timed out", Code.DeadlineExceeded);
    watchBodyWait(call(AbortSignal.abort(expired)), (error) => failures.push(error));
    expect(failures).toEqual([]);
    await Promise.resolve();
    expect(failures).toEqual([expired]);
  });

  it("refuses a body at once while MAX_PENDING_BODIES are awaited, and takes one again when one ends", async () => {
    const failures: unknown[] = [];
    const stops = Array.from({ length: MAX_PENDING_BODIES }, () => watchBodyWait(call(new AbortController().signal, false), (error) => failures.push(error)));
    watchBodyWait(call(new AbortController().signal, false), (error) => failures.push(error));
    await Promise.resolve();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: Code.ResourceExhausted, rawMessage: "too many requests are still arriving; retry shortly" });

    stops[0]!();
    const overflow = new RequestOnAStream();
    limitBodyWait(overflow, undefined);
    await Promise.resolve();
    expect(overflow.closedWith).toEqual([]);
    const refused = new RequestOnAStream();
    limitBodyWait(refused, undefined);
    await Promise.resolve();
    expect(refused.closedWith).toEqual([http2.constants.NGHTTP2_REFUSED_STREAM]);
    for (const stop of stops) stop();
    overflow.emit("end");
  });

  it("refuses a body at once on a connection with MAX_PENDING_BODIES_PER_CONNECTION awaited, and only there", async () => {
    const crowded = {};
    const requests = Array.from({ length: MAX_PENDING_BODIES_PER_CONNECTION }, () => new RequestOnAStream(crowded));
    for (const request of requests) limitBodyWait(request, undefined);
    const refused = new RequestOnAStream(crowded);
    limitBodyWait(refused, undefined);
    const elsewhere = new RequestOnAStream({});
    limitBodyWait(elsewhere, undefined);
    await Promise.resolve();
    expect(refused.closedWith).toEqual([http2.constants.NGHTTP2_REFUSED_STREAM]);
    expect(elsewhere.closedWith).toEqual([]);

    requests[0]!.emit("end");
    // Ended twice over (end, then close) gives back one place, not two.
    requests[0]!.emit("close");
    const next = new RequestOnAStream(crowded);
    limitBodyWait(next, undefined);
    const over = new RequestOnAStream(crowded);
    limitBodyWait(over, undefined);
    await Promise.resolve();
    expect([next.closedWith, over.closedWith]).toEqual([[], [http2.constants.NGHTTP2_REFUSED_STREAM]]);
    for (const request of [...requests, next, elsewhere]) request.emit("close");
  });

  it("stops watching once the body has ended", () => {
    const failures: unknown[] = [];
    const deadline = new AbortController();
    const stop = watchBodyWait(call(deadline.signal), (error) => failures.push(error));
    stop();
    deadline.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
    vi.advanceTimersByTime(BODY_WAIT_MS);
    expect(failures).toEqual([]);
  });
});

/** An HTTP/2 request as limitBodyWait sees it: its events, and the codes its stream was closed with. */
class RequestOnAStream extends EventEmitter implements StreamedRequest {
  readableEnded = false;
  readonly closedWith: number[] = [];
  readonly stream: StreamedRequest["stream"];

  constructor(session: object = {}) {
    super();
    this.stream = { close: (code: number) => void this.closedWith.push(code), session };
  }
}

describe("limitBodyWait", () => {
  it("resets the stream of a request whose body has not ended after BODY_WAIT_MS", () => {
    const request = new RequestOnAStream();
    limitBodyWait(request, undefined);
    vi.advanceTimersByTime(BODY_WAIT_MS - 1);
    expect(request.closedWith).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(request.closedWith).toEqual([http2.constants.NGHTTP2_CANCEL]);
  });

  it("resets it at its deadline when that comes first", () => {
    const request = new RequestOnAStream();
    limitBodyWait(request, 200);
    vi.advanceTimersByTime(199);
    expect(request.closedWith).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(request.closedWith).toEqual([http2.constants.NGHTTP2_CANCEL]);
  });

  it("leaves alone a request whose body ended, or that closed, in time", () => {
    const ended = new RequestOnAStream();
    limitBodyWait(ended, undefined);
    ended.emit("end");
    const closed = new RequestOnAStream();
    limitBodyWait(closed, 200);
    closed.emit("close");
    const complete = new RequestOnAStream();
    complete.readableEnded = true;
    limitBodyWait(complete, 200);
    vi.advanceTimersByTime(2 * BODY_WAIT_MS);
    expect([ended.closedWith, closed.closedWith, complete.closedWith]).toEqual([[], [], []]);
  });
});
