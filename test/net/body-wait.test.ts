import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { EventEmitter } from "node:events";
import http2 from "node:http2";
import { BODY_WAIT_MS, limitBodyWait, limitResponseWait, MAX_STALLED_BODIES, MAX_STALLED_BODIES_PER_CONNECTION, watchBodyWait, type CallDeadline, type StreamedRequest } from "../../src/net/body-wait.ts";

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

describe("stalled bodies", () => {
  it("never counts a burst whose bodies arrive within five seconds, however large", () => {
    const connection = {};
    const failures: unknown[] = [];
    const stops = Array.from({ length: 2_000 }, () => watchBodyWait(call(new AbortController().signal, false), (error) => failures.push(error), connection));
    vi.advanceTimersByTime(4_750);
    for (const stop of stops) stop();
    vi.advanceTimersByTime(5_000);
    expect(failures).toEqual([]);
  });

  it("ends the newest past MAX_STALLED_BODIES_PER_CONNECTION on a connection, and none elsewhere", () => {
    const crowded = Array.from({ length: MAX_STALLED_BODIES_PER_CONNECTION + 10 }, () => new RequestOnAStream(CROWDED));
    for (const request of crowded) limitBodyWait(request, undefined);
    const elsewhere = new RequestOnAStream({});
    limitBodyWait(elsewhere, undefined);
    vi.advanceTimersByTime(5_250);
    expect(crowded.filter((request) => request.closedWith.length > 0)).toEqual(crowded.slice(MAX_STALLED_BODIES_PER_CONNECTION));
    expect(crowded.at(-1)!.closedWith).toEqual([http2.constants.NGHTTP2_REFUSED_STREAM]);
    expect(elsewhere.closedWith).toEqual([]);
    // One ending (twice over: end, then close) makes room for one more, not two.
    crowded[0]!.emit("end");
    crowded[0]!.emit("close");
    const next = [new RequestOnAStream(CROWDED), new RequestOnAStream(CROWDED)];
    for (const request of next) limitBodyWait(request, undefined);
    vi.advanceTimersByTime(5_250);
    expect(next.map((request) => request.closedWith)).toEqual([[], [http2.constants.NGHTTP2_REFUSED_STREAM]]);
    for (const request of [...crowded, ...next, elsewhere]) request.emit("close");
  });

  it("ends the oldest past MAX_STALLED_BODIES on the instance", () => {
    const connections = Math.ceil((MAX_STALLED_BODIES + 100) / MAX_STALLED_BODIES_PER_CONNECTION);
    const requests: RequestOnAStream[] = [];
    for (let c = 0; c < connections; c++) {
      const connection = {};
      for (let i = 0; i < MAX_STALLED_BODIES_PER_CONNECTION; i++) {
        const request = new RequestOnAStream(connection);
        limitBodyWait(request, undefined);
        requests.push(request);
      }
    }
    vi.advanceTimersByTime(5_250);
    const ended = requests.filter((request) => request.closedWith.length > 0);
    expect(ended).toEqual(requests.slice(0, requests.length - MAX_STALLED_BODIES));
    for (const request of requests) request.emit("close");
  });
});

/** One connection's identity, shared by the requests that came on it. */
const CROWDED = {};

describe("limitResponseWait", () => {
  it("closes the stream of a unary response its client has not taken after BODY_WAIT_MS, and not one that closed", () => {
    const closedWith: number[] = [];
    const unread = Object.assign(new EventEmitter(), { closed: false, session: {}, close: (code: number) => void closedWith.push(code) });
    limitResponseWait(unread);
    const read = Object.assign(new EventEmitter(), { closed: false, session: {}, close: () => void closedWith.push(-1) });
    limitResponseWait(read);
    read.emit("close");
    vi.advanceTimersByTime(BODY_WAIT_MS + 250);
    expect(closedWith).toEqual([http2.constants.NGHTTP2_CANCEL]);
  });
});
