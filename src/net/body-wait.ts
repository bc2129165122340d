import http2 from "node:http2";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";

/**
 * Longest wait for a request's body to end, whatever deadline the call has (or none). A unary or
 * server-streaming request is one small message, sent at once by every real client; one that opens
 * a call and never finishes sending it would otherwise hold its stream, unauthenticated (a request
 * is read whole before its token is checked), for as long as its connection lives.
 */
export const BODY_WAIT_MS = 30_000;
/** What a body's wait needs of its call: the signal its deadline aborts, and whether it has one. */
export type CallDeadline = Pick<HandlerContext, "signal" | "timeoutMs">;

/** How often bodies still being read are looked at: a late one fails within this of its time. */
const SWEEP_MS = 1_000;

/** A body being read: when the wait began (performance.now()), and how to end it. */
interface BodyWait {
  readonly since: number;
  readonly fail: (error: unknown) => void;
}

/**
 * Every body being read, looked at once a second, rather than a timer per request: with one, the
 * Enqueue path measured c/b 0.87-0.89x against 0.91-1.00x before (benchmark 1; noisy, but a
 * second's precision is all a 30 s limit needs).
 */
const waits = new Set<BodyWait>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = performance.now();
  for (const wait of waits) {
    if (now - wait.since < BODY_WAIT_MS) continue;
    waits.delete(wait);
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
 * passed. Other aborts are left to the read: a client that goes away closes the stream, and a call
 * that arrives while the server drains is still read whole (health checks are answered then).
 * Returns what stops watching, for when the body has ended.
 */
export function watchBodyWait(call: CallDeadline, fail: (error: unknown) => void): () => void {
  const wait: BodyWait = { since: performance.now(), fail };
  waits.add(wait);
  sweeper ??= setInterval(sweep, SWEEP_MS).unref();
  if (call.timeoutMs() === undefined) return () => waits.delete(wait);
  const { signal } = call;
  const onAbort = (): void => {
    if (!(signal.reason instanceof ConnectError && signal.reason.code === Code.DeadlineExceeded)) return;
    waits.delete(wait);
    fail(signal.reason);
  };
  // An expired deadline (grpc-timeout 0) aborted the signal already: failed later, as an abort would come.
  if (signal.aborted) queueMicrotask(onAbort);
  else signal.addEventListener("abort", onAbort, { once: true });
  return () => {
    waits.delete(wait);
    signal.removeEventListener("abort", onAbort);
  };
}

/** A call whose deadline someone else keeps: only the {@link BODY_WAIT_MS} limit applies. */
const NO_DEADLINE: CallDeadline = { signal: new AbortController().signal, timeoutMs: () => undefined };

/** The part of an HTTP/2 request that {@link limitBodyWait} uses. */
export interface StreamedRequest {
  readonly readableEnded: boolean;
  once(event: "end" | "close", listener: () => void): unknown;
  readonly stream: { close(code: number): void };
}

/**
 * For the requests connect-node's adapter serves on the HTTP/2 port (gRPC-Web, JSON or compressed
 * gRPC), which it would wait for as long as the client keeps its connection: resets the stream of
 * one whose body has not ended by its deadline (`deadlineMs` from now, as its timeout header says)
 * or within {@link BODY_WAIT_MS}. The adapter starts the deadline's clock only once it has the
 * body. Not for client-streaming calls (reflection), whose requests stay open by design.
 */
export function limitBodyWait(request: StreamedRequest, deadlineMs: number | undefined): void {
  if (request.readableEnded) return;
  const reset = (): void => request.stream.close(http2.constants.NGHTTP2_CANCEL);
  const stopWaiting = watchBodyWait(NO_DEADLINE, reset);
  // A timer only for a deadline the sweep would miss: these paths are not the hot ones.
  const deadline = deadlineMs !== undefined && deadlineMs < BODY_WAIT_MS ? setTimeout(reset, deadlineMs) : undefined;
  const stop = (): void => {
    stopWaiting();
    clearTimeout(deadline);
  };
  request.once("end", stop);
  request.once("close", stop);
}
