import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type createHandlerContext } from "@connectrpc/connect";
import { CallValues } from "./call-values.ts";
import { LazyHeaders, type HeaderFields } from "./lazy-headers.ts";

/** The context connect gives an implementation, with `abort` for the transport that owns the call. */
export type HandlerContextController = ReturnType<typeof createHandlerContext>;

/** A call's context whose headers can be written without a `Headers` round trip. */
export interface GrpcCallContext extends HandlerContextController {
  readonly requestHeader: LazyHeaders;
  readonly responseHeader: LazyHeaders;
  readonly responseTrailer: LazyHeaders;
}

/** What a gRPC call starts from. */
export interface GrpcCallInit {
  readonly method: DescMethod;
  /** The request's fields as node:http2 gives them, pseudo-headers included. */
  readonly headers: HeaderFields & { readonly ":authority"?: string | undefined; readonly ":path"?: string | undefined };
  /** From `grpc-timeout`; undefined without a deadline. */
  readonly timeoutMs: number | undefined;
  /** The response's content type. */
  readonly contentType: string;
}

const NO_DEADLINE = (): undefined => undefined;
const OK_TRAILER = { "grpc-status": "0" } as const;
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
 * The handler context of a gRPC call, as connect's `createHandlerContext` makes it for its gRPC
 * handler (same fields, same initial response header and trailer, the deadline aborting the signal
 * with DEADLINE_EXCEEDED, `abort` clearing the deadline), at a fraction of the cost: the three
 * `Headers` are {@link LazyHeaders}, built only if someone changes or lists them (the response
 * header's initial fields shared between calls), the values a {@link CallValues}, and the signal is
 * one AbortController rather than one linked to a second one for the deadline.
 */
export function createGrpcCallContext(init: GrpcCallInit): GrpcCallContext {
  const controller = new AbortController();
  let timeoutMs: () => number | undefined = NO_DEADLINE;
  let timer: NodeJS.Timeout | undefined;
  if (init.timeoutMs !== undefined) {
    const deadline = Date.now() + init.timeoutMs;
    timeoutMs = () => deadline - Date.now();
    const expire = (): void => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
    if (init.timeoutMs <= 0) expire();
    else timer = setTimeout(expire, init.timeoutMs);
  }
  const { headers, method } = init;
  return {
    method,
    service: method.parent,
    protocolName: "grpc",
    requestMethod: "POST",
    url: `http://${headers[":authority"] ?? "localhost"}${headers[":path"]}`,
    signal: controller.signal,
    timeoutMs,
    requestHeader: new LazyHeaders(headers),
    responseHeader: new LazyHeaders(contentTypeFields(init.contentType)),
    responseTrailer: new LazyHeaders(OK_TRAILER),
    values: new CallValues(),
    abort(reason?: unknown) {
      if (timer !== undefined) clearTimeout(timer);
      controller.abort(reason);
    },
  };
}
