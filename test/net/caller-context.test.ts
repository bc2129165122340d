import { describe, expect, it } from "vitest";
import { Code, ConnectError, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { create } from "@bufbuild/protobuf";
import type { Caller } from "../../src/application/caller.ts";
import { EnqueueRequestSchema, MatchmakingService } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { authInterceptor, callerOf, type Authenticate } from "../../src/net/caller-context.ts";
import type { UnaryMethodSpec } from "../../src/net/single-request-method-registry.ts";

const enqueue = MatchmakingService.method.enqueue;

/** Accepts `Bearer good` (slowly, counting its calls); `known` answers for `Bearer known` only. */
function authentication(): { authenticate: Authenticate; calls: (string | null)[] } {
  const calls: (string | null)[] = [];
  const check = async (authorization: string | null): Promise<Caller> => {
    calls.push(authorization);
    if (authorization !== "Bearer good" && authorization !== "Bearer known") throw new ConnectError("no", Code.Unauthenticated);
    return { kind: "service", subject: "checked" };
  };
  const known = (authorization: string | null): Caller | undefined =>
    authorization === "Bearer known" ? { kind: "service", subject: "known" } : undefined;
  return { authenticate: Object.assign(check, { known }), calls };
}

/**
 * Runs an Enqueue call through the interceptor as connect does; answers with the subject of the
 * caller the handler sees ("nobody" when the method needs none).
 */
async function call(authenticate: Authenticate, authorization: string | undefined, needsCaller = true): Promise<string> {
  const interceptor = authInterceptor(authenticate, (method) => needsCaller && method === enqueue);
  const spec: UnaryMethodSpec = {
    kind: "unary",
    method: enqueue,
    impl: (_request: unknown, context: HandlerContext) => {
      const caller = needsCaller ? callerOf(context) : undefined;
      return { ticket: { ticketId: caller?.kind === "service" ? caller.subject : "nobody" } };
    },
  };
  const context = createHandlerContext({
    service: MatchmakingService,
    method: enqueue,
    protocolName: "grpc",
    requestMethod: "POST",
    url: "http://localhost/",
    requestHeader: authorization === undefined ? {} : { authorization },
  });
  const output = await invokeUnaryImplementation(spec, context, create(EnqueueRequestSchema), [interceptor]);
  return (output as { ticket?: { ticketId: string } }).ticket?.ticketId ?? "";
}

describe("authInterceptor", () => {
  it("takes the caller `known` answers with, without calling the authentication", async () => {
    const { authenticate, calls } = authentication();
    expect(await call(authenticate, "Bearer known")).toBe("known");
    expect(calls).toEqual([]);
  });

  it("calls the authentication when `known` does not answer, and fails the call with its error", async () => {
    const { authenticate, calls } = authentication();
    expect(await call(authenticate, "Bearer good")).toBe("checked");
    await expect(call(authenticate, "Bearer bad")).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(call(authenticate, undefined)).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(calls).toEqual(["Bearer good", "Bearer bad", null]);
  });

  it("works with an authentication that has no `known`", async () => {
    const { calls } = authentication();
    const plain: Authenticate = async (authorization) => {
      calls.push(authorization);
      return { kind: "player", userId: "p" };
    };
    await expect(call(plain, "Bearer known")).resolves.toBe("nobody");
    expect(calls).toEqual(["Bearer known"]);
  });

  it("leaves methods that need no caller alone", async () => {
    const { authenticate, calls } = authentication();
    await expect(call(authenticate, undefined, false)).resolves.toBe("nobody");
    expect(calls).toEqual([]);
  });
});
