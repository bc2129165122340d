import { Code, ConnectError } from "@connectrpc/connect";

/** The one message of a single-request call (`kind`: "unary", "server-streaming"), with connect's errors for none or several. */
export async function single<T>(messages: AsyncIterable<T>, kind: string): Promise<T> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) throw new ConnectError(`protocol error: missing input message for ${kind} method`, Code.Unimplemented);
  const second = await iterator.next();
  if (second.done !== true) throw new ConnectError(`protocol error: received extra input message for ${kind} method`, Code.Unimplemented);
  return first.value;
}
