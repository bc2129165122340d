import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Passes a response stream through and reports how it ended: undefined when it completed, the error
 * it failed with, or CANCELED when the client went away before the end. Lets interceptors count and
 * time streams, whose handlers are still running when `next` returns.
 */
export async function* onStreamEnd<T>(messages: AsyncIterable<T>, ended: (error: unknown) => void): AsyncGenerator<T> {
  let outcome: unknown = new ConnectError("the client ended the stream", Code.Canceled);
  try {
    yield* messages;
    outcome = undefined;
  } catch (error) {
    outcome = error;
    throw error;
  } finally {
    ended(outcome);
  }
}
