/**
 * Load generator (child process): holds one Connect-protocol WatchTicket stream open per ticket id
 * (`application/connect+json`, as connect-web sends it from a browser), each on its own HTTP/1.1
 * connection as a browser's fetch streams are.
 *
 * Protocol with the parent: config in; "opened" (with the count of failures) once every stream has
 * its first message; any message back closes everything and exits.
 */
import http from "node:http";
import { MatchmakingService } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { nextParentMessage } from "./child-process.ts";

export interface Http1WatchClientsConfig {
  readonly port: number;
  readonly authorization: string;
  readonly ticketIds: readonly string[];
}

export interface Http1WatchClientsOpened {
  readonly failed: number;
}

const config = await nextParentMessage<Http1WatchClientsConfig>();
const path = `/${MatchmakingService.typeName}/${MatchmakingService.method.watchTicket.name}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let settled = 0;
let failed = 0;
const settle = (ok: boolean): void => {
  if (!ok) failed++;
  if (++settled === config.ticketIds.length) process.send!({ failed } satisfies Http1WatchClientsOpened);
};
for (const ticketId of config.ticketIds) {
  const json = Buffer.from(JSON.stringify({ ticketId }));
  const envelope = Buffer.alloc(5 + json.length);
  envelope.writeUInt32BE(json.length, 1);
  json.copy(envelope, 5);
  const request = http.request({
    agent,
    host: "127.0.0.1",
    port: config.port,
    method: "POST",
    path,
    headers: { "content-type": "application/connect+json", "connect-protocol-version": "1", authorization: config.authorization },
  });
  let outcome: boolean | undefined;
  const once = (ok: boolean): void => {
    if (outcome !== undefined) return;
    outcome = ok;
    settle(ok);
  };
  request.on("response", (response) => {
    if (response.statusCode !== 200) once(false);
    else response.once("data", () => once(true));
  });
  request.on("error", () => once(false));
  request.end(envelope);
}
await nextParentMessage<unknown>();
agent.destroy();
process.exit(0);
