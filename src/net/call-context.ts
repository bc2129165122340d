import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type createHandlerContext } from "@connectrpc/connect";
import { CallValues } from "./call-values.ts";
import { LazyHeaders, type HeaderFields } from "./lazy-headers.ts";
import { LONGEST_TIMER_MS } from "../shared/longest-timer.ts";

/** The context connect gives an implementation, with `abort` for the transport that owns the call. */
export type HandlerContextController = ReturnType<typeof createHandlerContext>;

/** A call's context whose headers can be written without a `Headers` round trip. */
export interface CallContext extends HandlerContextController {
  readonly requestHeader: LazyHeaders;
  readonly responseHeader: LazyHeaders;
  readonly responseTrailer: LazyHeaders;
}

/** What a call starts from, as the transport that serves it has parsed it. */
export interface CallInit {
  readonly method: DescMethod;
  /** "grpc" or "connect": what connect's handlers name the protocol in the context. */
  readonly protocolName: string;
  /** The request URL as connect-node gives it to the context. */
  readonly url: string;
  /** The request's fields as node:http or node:http2 gives them (pseudo-headers are left out). */
  readonly requestHeader: HeaderFields;
  /** From the protocol's timeout header; undefined without a deadline. */
  readonly timeoutMs: number | undefined;
  /** The response's content type, its only initial header field. */
  readonly contentType: string;
  /** The response's initial trailer fields: a constant of the protocol, shared between calls. */
  readonly responseTrailer: HeaderFields;
}

const NO_DEADLINE = (): undefined => undefined;
/** The initial response header fields by content type: a LazyHeaders never changes its fields. */
const CONTENT_TYPE_FIELDS = new Map<string, HeaderFields>();

/** One object per content type: they are the transports' few constants, so the map stays small. */
function contentTypeFields(contentType: string): HeaderFields {
  let fields = CONTENT_TYPE_FIELDS.get(contentType);
  if (fields === undefined) {
    fields = { "content-type": contentType };
    CONTENT_TYPE_FIELDS.set(contentType, fields);
  }
  return fields;
}

/**
 * The handler context of a call, as connect's `createHandlerContext` makes it for its gRPC and
 * Connect handlers (same fields, same initial response header and trailer, the deadline aborting
 * the signal with DEADLINE_EXCEEDED, `abort` clearing the deadline), at a fraction of the cost: the
 * three `Headers` are {@link LazyHeaders}, built only if someone changes or lists them (the initial
 * response fields shared between calls), the values a {@link CallValues}, and the signal is one
 * AbortController rather than one linked to a second one for the deadline.
 */
export function createCallContext(init: CallInit): CallContext {
  const controller = new AbortController();
  let timeoutMs: () => number | undefined = NO_DEADLINE;
  let timer: NodeJS.Timeout | undefined;
  if (init.timeoutMs !== undefined) {
    const deadline = Date.now() + init.timeoutMs;
    timeoutMs = () => deadline - Date.now();
    const expire = (): void => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
    if (init.timeoutMs <= 0) expire();
    else if (init.timeoutMs <= LONGEST_TIMER_MS) timer = setTimeout(expire, init.timeoutMs);
  }
  const { method } = init;
  return {
    method,
    service: method.parent,
    protocolName: init.protocolName,
    requestMethod: "POST",
    url: init.url,
    signal: controller.signal,
    timeoutMs,
    requestHeader: new LazyHeaders(init.requestHeader),
    responseHeader: new LazyHeaders(contentTypeFields(init.contentType)),
    responseTrailer: new LazyHeaders(init.responseTrailer),
    values: new CallValues(),
    abort(reason?: unknown) {
      if (timer !== undefined) clearTimeout(timer);
      controller.abort(reason);
    },
  };
}
