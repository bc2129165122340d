import http2 from "node:http2";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";

/**
 * Longest wait for a request's body to end, whatever deadline the call has (or none). A unary or
 * server-streaming request is one small message, sent at once by every real client; one that opens
 * a call and never finishes sending it would otherwise hold its stream, unauthenticated (a request
 * is read whole before its token is checked), for as long as its connection lives.
 */
export const BODY_WAIT_MS = 30_000;
/**
 * A body still arriving after this long is stalled: real clients send a request's body with its
 * headers, so anything slower is a broken or hostile client. Counted apart, because a burst of
 * thousands of streams opened at once has them all waiting a while (their headers are handled
 * before their bodies): benchmark 4's 20,000 had bodies still waiting after a second on two cores.
 */
const STALLED_AFTER_MS = 5_000;
/**
 * Stalled bodies an instance keeps, and one HTTP/2 connection; past either, the stalled ones are
 * ended at once (RESOURCE_EXHAUSTED, or REFUSED_STREAM on connect-node's paths: the request was not
 * processed), the newest on a connection, the oldest on the instance. Each holds what it has sent
 * (up to a message, 64 KiB) and on connect-node's paths about 40 KiB of state: unbounded, eight
 * connections of requests that never finish exhausted a 300 MB heap in five seconds, no token
 * needed. Connections per address are for the load balancer in front to limit.
 */
export const MAX_STALLED_BODIES = 1_024;
export const MAX_STALLED_BODIES_PER_CONNECTION = 64;

/** What a body's wait needs of its call: the signal its deadline aborts, and whether it has one. */
export type CallDeadline = Pick<HandlerContext, "signal" | "timeoutMs">;

/** How often bodies still being read are looked at: a late one fails within this of its time. */
const SWEEP_MS = 250;

/** A body being read: when the wait began (performance.now()), how to end it, its connection. */
interface BodyWait {
  readonly since: number;
  readonly fail: (error: unknown) => void;
  readonly connection: object | undefined;
}

/**
 * Every body being read, looked at four times a second, rather than a timer per request: with one,
 * the Enqueue path measured c/b 0.87-0.89x against 0.91-1.00x before (benchmark 1; noisy, but a
 * quarter second's precision is all these limits need). In the order the waits began.
 */
const waits = new Set<BodyWait>();
/** The stalled among {@link waits}, oldest first, and how many each connection has. */
const stalled = new Set<BodyWait>();
const stalledOf = new WeakMap<object, number>();
let sweeper: NodeJS.Timeout | undefined;

/** Takes `wait` off the books, once however often it is called. */
function release(wait: BodyWait): void {
  waits.delete(wait);
  if (!stalled.delete(wait) || wait.connection === undefined) return;
  stalledOf.set(wait.connection, stalledOf.get(wait.connection)! - 1);
}

function tooMany(where: string): ConnectError {
  return new ConnectError(`too many requests ${where} are still sending their body; retry shortly`, Code.ResourceExhausted);
}

function sweep(): void {
  const now = performance.now();
  for (const wait of waits) {
    const waited = now - wait.since;
    if (waited < STALLED_AFTER_MS) break;
    if (waited >= BODY_WAIT_MS) {
      release(wait);
      wait.fail(new ConnectError(`the request's body did not arrive within ${BODY_WAIT_MS / 1000} s`, Code.DeadlineExceeded));
    } else if (!stalled.has(wait)) {
      markStalled(wait);
    }
  }
  for (const oldest of stalled) {
    if (stalled.size <= MAX_STALLED_BODIES) break;
    release(oldest);
    oldest.fail(tooMany("on this server"));
  }
  if (waits.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

function markStalled(wait: BodyWait): void {
  const { connection } = wait;
  if (connection !== undefined) {
    const count = stalledOf.get(connection) ?? 0;
    if (count >= MAX_STALLED_BODIES_PER_CONNECTION) {
      release(wait);
      wait.fail(tooMany("on this connection"));
      return;
    }
    stalledOf.set(connection, count + 1);
  }
  stalled.add(wait);
}

/**
 * Ends the wait for a request's body with an error, by calling `fail` with it, once the call's
 * deadline passes (its signal aborts with DEADLINE_EXCEEDED) or about {@link BODY_WAIT_MS} has
 * passed, or sooner when it has stalled beyond {@link MAX_STALLED_BODIES} on the instance or
 * {@link MAX_STALLED_BODIES_PER_CONNECTION} on its `connection`. Other aborts are left to the read:
 * a client that goes away closes the stream, and a call that arrives while the server drains is
 * still read whole (health checks are answered then). Returns what stops watching, for when the
 * body has ended.
 */
export function watchBodyWait(call: CallDeadline, fail: (error: unknown) => void, connection?: object): () => void {
  const wait: BodyWait = { since: performance.now(), fail, connection };
  waits.add(wait);
  sweeper ??= setInterval(sweep, SWEEP_MS).unref();
  if (call.timeoutMs() === undefined) return () => release(wait);
  const { signal } = call;
  const onAbort = (): void => {
    if (!(signal.reason instanceof ConnectError && signal.reason.code === Code.DeadlineExceeded)) return;
    release(wait);
    fail(signal.reason);
  };
  // An expired deadline (grpc-timeout 0) aborted the signal already: failed later, as an abort would come.
  if (signal.aborted) queueMicrotask(onAbort);
  else signal.addEventListener("abort", onAbort, { once: true });
  return () => {
    release(wait);
    signal.removeEventListener("abort", onAbort);
  };
}

/** A call whose deadline someone else keeps: only the {@link BODY_WAIT_MS} limit applies. */
const NO_DEADLINE: CallDeadline = { signal: new AbortController().signal, timeoutMs: () => undefined };

/** The part of an HTTP/2 request that {@link limitBodyWait} uses. */
export interface StreamedRequest {
  readonly readableEnded: boolean;
  once(event: "end" | "close", listener: () => void): unknown;
  readonly stream: { close(code: number): void; readonly session: object | undefined };
}

/**
 * For the requests connect-node's adapter serves on the HTTP/2 port (gRPC-Web, JSON or compressed
 * gRPC), which it would wait for as long as the client keeps its connection: resets the stream of
 * one whose body has not ended by its deadline (`deadlineMs` from now, as its timeout header says)
 * or within {@link BODY_WAIT_MS}. The adapter starts the deadline's clock only once it has the
 * body. Client-streaming calls (reflection) too: a reflection client asks and hangs up within a
 * second, and one that keeps a stream open past 30 s opens another.
 */
export function limitBodyWait(request: StreamedRequest, deadlineMs: number | undefined): void {
  if (request.readableEnded) return;
  const reset = (): void => request.stream.close(http2.constants.NGHTTP2_CANCEL);
  // Refused for want of room: REFUSED_STREAM tells the client nothing was done, so it may retry.
  const stopWaiting = watchBodyWait(NO_DEADLINE, (error) =>
    request.stream.close(error instanceof ConnectError && error.code === Code.ResourceExhausted ? http2.constants.NGHTTP2_REFUSED_STREAM : http2.constants.NGHTTP2_CANCEL),
    request.stream.session,
  );
  // A timer only for a deadline the sweep would miss: these paths are not the hot ones.
  const deadline = deadlineMs !== undefined && deadlineMs < BODY_WAIT_MS ? setTimeout(reset, deadlineMs) : undefined;
  const stop = (): void => {
    stopWaiting();
    clearTimeout(deadline);
  };
  request.once("end", stop);
  request.once("close", stop);
}

/** The part of an HTTP/2 stream that {@link limitResponseWait} uses. */
export interface ResponseStream {
  readonly closed: boolean;
  readonly session: object | undefined;
  close(code: number): void;
  once(event: "close", listener: () => void): unknown;
}

/**
 * The same limits for a unary call's response, from the moment it is written until its stream
 * closes: a client that never opens its receive window (HTTP/2 flow control at 0) would otherwise
 * keep the stream, its response and a connection slot for good (142,000 such streams exhausted a
 * 300 MB heap in an adversarial test). A real client reads it at once, so it never stalls.
 */
export function limitResponseWait(stream: ResponseStream): void {
  if (stream.closed) return;
  const stop = watchBodyWait(NO_DEADLINE, () => stream.close(http2.constants.NGHTTP2_CANCEL), stream.session);
  stream.once("close", stop);
}
