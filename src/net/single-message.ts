import { Code, ConnectError } from "@connectrpc/connect";

/** The one message of a single-request call (`kind`: "unary", "server-streaming"), with connect's errors for none or several. */
export async function single<T>(messages: AsyncIterable<T>, kind: string): Promise<T> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) throw missing(kind);
  if ((await iterator.next()).done !== true) throw extra(kind);
  return first.value;
}

/** {@link single} for messages already parsed, without an event-loop turn per message. */
export function singleNow<T>(messages: Iterator<T>, kind: string): T {
  const first = messages.next();
  if (first.done === true) throw missing(kind);
  if (messages.next().done !== true) throw extra(kind);
  return first.value;
}

function missing(kind: string): ConnectError {
  return new ConnectError(`protocol error: missing input message for ${kind} method`, Code.Unimplemented);
}

function extra(kind: string): ConnectError {
  return new ConnectError(`protocol error: received extra input message for ${kind} method`, Code.Unimplemented);
}
