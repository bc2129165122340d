import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { HandlerContext, Interceptor, StreamRequest, StreamResponse } from "@connectrpc/connect";
import type { HandlerContextController } from "./call-context.ts";
import type { Pullable } from "./pull-source.ts";
import { single } from "./single-message.ts";
import type { ServerStreamingMethodSpec } from "./single-request-method-registry.ts";

/** A server-streaming call's responses as the interceptors hand them back, and its trailers. */
export interface ServerStreamingResponses {
  /** Readable by callbacks too ({@link Pullable}) when the interceptors and the implementation allow. */
  readonly messages: Pullable<MessageShape<DescMessage>>;
  /** Copy into the call's trailers once `messages` is done (connect does so only on success). */
  readonly trailer: Headers;
}

/**
 * Starts a server-streaming implementation exactly as connect's `transformInvokeImplementation`
 * does: the interceptors run first (before the body is read), then the request's one message is
 * read, then the implementation is called with the context as the interceptors left it, and its
 * output is normalized to full messages. What it leaves out is connect's async-generator pipeline
 * around the responses (an async generator, its delegators and their closures per stream), which
 * every idle stream held for its whole life (BENCHMARKS.md, benchmark 4): the responses come back
 * as the interceptors returned them.
 */
export async function invokeServerStreaming(
  spec: ServerStreamingMethodSpec,
  context: HandlerContextController,
  input: AsyncIterable<MessageShape<DescMessage>>,
  interceptors: readonly Interceptor[],
): Promise<ServerStreamingResponses> {
  const method = spec.method;
  let next = async (request: StreamRequest): Promise<StreamResponse> => {
    const output: AsyncIterable<unknown> = spec.impl(await single(request.message, "server-streaming"), implementationContext(context, request));
    return {
      stream: true,
      message: yieldsMessagesOf(output, method.output) ? output : new NormalizedStream(method.output, output[Symbol.asyncIterator]()),
      method,
      service: method.parent,
      header: context.responseHeader,
      trailer: context.responseTrailer,
    };
  };
  for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as typeof next;
  const response = await next({
    stream: true,
    message: input,
    method,
    requestMethod: context.requestMethod,
    url: context.url,
    signal: context.signal,
    header: context.requestHeader,
    service: method.parent,
    contextValues: context.values,
  });
  copyHeaders(response.header, context.responseHeader);
  return { messages: response.message[Symbol.asyncIterator](), trailer: response.trailer };
}

/**
 * A server-streaming implementation's output that yields full messages of its method's output type
 * and says so. It is passed on as it is: normalizing its messages (connect's `create` of each, which
 * returns a full message unchanged) would only add a promise per message, and a layer that every
 * open stream holds.
 */
export interface MessageStream<Desc extends DescMessage> extends AsyncIterable<MessageShape<Desc>> {
  /** The output type of the method the stream answers. */
  readonly messageSchema: Desc;
}

function yieldsMessagesOf<Desc extends DescMessage>(output: AsyncIterable<unknown>, desc: Desc): output is MessageStream<Desc> {
  return (output as Partial<MessageStream<Desc>>).messageSchema === desc;
}

/** connect's copy of a response's headers into the call's. */
export function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  to.forEach((_, key) => to.delete(key));
  from.forEach((value, key) => to.set(key, value));
}

/**
 * The context the implementation sees: connect gives it a copy with the interceptors' request
 * header, signal and values; when they are the call's own (as they are unless an interceptor
 * replaced them) the call's context is that copy already, and no copy is kept per stream.
 */
function implementationContext(context: HandlerContextController, request: StreamRequest): HandlerContext {
  if (
    request.service === context.service &&
    request.header === context.requestHeader &&
    request.signal === context.signal &&
    request.contextValues === context.values
  ) {
    return context;
  }
  return { ...context, service: request.service, requestHeader: request.header, signal: request.signal, values: request.contextValues };
}

/** An implementation's output as full messages (connect's `normalizeIterable`, as an object). */
class NormalizedStream<Desc extends DescMessage> implements AsyncIterableIterator<MessageShape<Desc>> {
  readonly #desc: Desc;
  readonly #source: AsyncIterator<unknown>;
  readonly #normalize = (result: IteratorResult<unknown>): IteratorResult<MessageShape<Desc>> =>
    result.done === true ? result : { done: false, value: create(this.#desc, result.value as never) };

  constructor(desc: Desc, source: AsyncIterator<unknown>) {
    this.#desc = desc;
    this.#source = source;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<MessageShape<Desc>>> {
    return this.#source.next().then(this.#normalize);
  }

  async return(): Promise<IteratorResult<MessageShape<Desc>>> {
    return this.#normalize((await this.#source.return?.()) ?? { done: true, value: undefined });
  }
}
