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
 * Requests whose body is still arriving, across the instance, beyond which a new one is refused at
 * once (RESOURCE_EXHAUSTED, or REFUSED_STREAM on connect-node's paths). Each holds what it has sent
 * (up to a message, 64 KiB) and, on connect-node's paths, about 40 KiB of state: without a bound,
 * eight connections of requests that never finish exhausted a 300 MB heap in five seconds, no
 * token needed. Real clients send a request's body at once, so a busy instance has a few dozen.
 */
export const MAX_PENDING_BODIES = 1_024;
/**
 * Of those, what one HTTP/2 connection may have: a client that fills its share is refused on its
 * own connection, and needs sixteen to refuse everyone (connections per address are for the load
 * balancer in front to limit).
 */
export const MAX_PENDING_BODIES_PER_CONNECTION = 64;

/** What a body's wait needs of its call: the signal its deadline aborts, and whether it has one. */
export type CallDeadline = Pick<HandlerContext, "signal" | "timeoutMs">;

/** How often bodies still being read are looked at: a late one fails within this of its time. */
const SWEEP_MS = 1_000;

/** A body being read: when the wait began (performance.now()), how to end it, and its connection. */
interface BodyWait {
  readonly since: number;
  readonly fail: (error: unknown) => void;
  readonly connection: object | undefined;
}

/**
 * Every body being read, looked at once a second, rather than a timer per request: with one, the
 * Enqueue path measured c/b 0.87-0.89x against 0.91-1.00x before (benchmark 1; noisy, but a
 * second's precision is all a 30 s limit needs).
 */
const waits = new Set<BodyWait>();
/** How many of {@link waits} each connection has. */
const pendingOf = new WeakMap<object, number>();
let sweeper: NodeJS.Timeout | undefined;

/** Takes `wait` off the books, once however often it is called. */
function release(wait: BodyWait): void {
  if (!waits.delete(wait) || wait.connection === undefined) return;
  pendingOf.set(wait.connection, pendingOf.get(wait.connection)! - 1);
}

function sweep(): void {
  const now = performance.now();
  for (const wait of waits) {
    if (now - wait.since < BODY_WAIT_MS) continue;
    release(wait);
    wait.fail(new ConnectError(`the request's body did not arrive within ${BODY_WAIT_MS / 1000} s`, Code.DeadlineExceeded));
  }
  if (waits.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * Ends the wait for a request's body with an error, by calling `fail` with it, once the call's
 * deadline passes (its signal aborts with DEADLINE_EXCEEDED) or about {@link BODY_WAIT_MS} has
 * passed, and at once when {@link MAX_PENDING_BODIES} are being waited for, or
 * {@link MAX_PENDING_BODIES_PER_CONNECTION} on the request's `connection`. Other aborts are left to
 * the read: a client that goes away closes the stream, and a call that arrives while the server
 * drains is still read whole (health checks are answered then). Returns what stops watching, for
 * when the body has ended.
 */
export function watchBodyWait(call: CallDeadline, fail: (error: unknown) => void, connection?: object): () => void {
  const pendingOnConnection = connection === undefined ? 0 : (pendingOf.get(connection) ?? 0);
  if (waits.size >= MAX_PENDING_BODIES || pendingOnConnection >= MAX_PENDING_BODIES_PER_CONNECTION) {
    // Later, as every failure comes: the caller is still setting up its read.
    queueMicrotask(() => fail(new ConnectError("too many requests are still arriving; retry shortly", Code.ResourceExhausted)));
    return () => {};
  }
  const wait: BodyWait = { since: performance.now(), fail, connection };
  waits.add(wait);
  if (connection !== undefined) pendingOf.set(connection, pendingOnConnection + 1);
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
