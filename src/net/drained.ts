import type { EventEmitter } from "node:events";

/**
 * Resolves when a response (node:http or node:http2) can take more data, or when it is gone: how a
 * stream waits for a client that reads slower than the server writes.
 */
export function drained(response: Pick<EventEmitter, "once" | "off">): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.once("drain", done);
    response.once("close", done);
  });
}
