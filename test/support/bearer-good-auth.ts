import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { MatchmakingService } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { authInterceptor } from "../../src/net/caller-context.ts";

/**
 * The interceptors of the fast-path comparison tests: the real auth interceptor, accepting the one
 * token `Bearer good` as a backend service, on every MatchmakingService method but ListQueues.
 */
export const bearerGoodInterceptors: readonly Interceptor[] = [
  authInterceptor(async (authorization) => {
    if (authorization !== "Bearer good") throw new ConnectError("the token is not valid", Code.Unauthenticated);
    return { kind: "service", subject: "backend" };
  }, (method) => method.parent.typeName === MatchmakingService.typeName && method.name !== "ListQueues"),
];
