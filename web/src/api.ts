import { Code, ConnectError, createClient, type CallOptions } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { MatchmakingService } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { OperatorService } from "../../src/gen/matchmaking/v1/operator_pb.js";

/**
 * The console is served by the matchmaker itself, so it calls the RPCs on its own origin over the
 * Connect protocol (JSON on HTTP/1.1), which needs no CORS and reads well in the browser's tools.
 */
const transport = createConnectTransport({ baseUrl: location.origin });

export const matchmaking = createClient(MatchmakingService, transport);
export const operator = createClient(OperatorService, transport);

/** Call options that authenticate with `token`, optionally cancellable. */
export function withToken(token: string, signal?: AbortSignal): CallOptions {
  return { headers: { authorization: `Bearer ${token}` }, signal };
}

/** A call's failure as operators read it: the gRPC code name, then the server's message. */
export function describeError(error: unknown): string {
  const connectError = ConnectError.from(error);
  return `${Code[connectError.code]}: ${connectError.rawMessage}`;
}
