import { describe, expect, it } from "vitest";
import { Code, ConnectError, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import { MatchmakingService } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { createGrpcCallContext } from "../../src/net/grpc-call-context.ts";

const method = MatchmakingService.method.enqueue;
const headers = {
  ":authority": "matchmaker:50051",
  ":path": "/matchmaking.v1.MatchmakingService/Enqueue",
  "content-type": "application/grpc",
  authorization: "Bearer abc",
};

/** connect's own context for the same call, as its gRPC handler builds it. */
function connectContext(timeoutMs: number | undefined) {
  return createHandlerContext({
    service: method.parent,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: "http://matchmaker:50051/matchmaking.v1.MatchmakingService/Enqueue",
    timeoutMs,
    requestHeader: { "content-type": "application/grpc", authorization: "Bearer abc" },
    responseHeader: { "content-type": "application/grpc+proto" },
    responseTrailer: { "grpc-status": "0" },
  });
}

function ours(timeoutMs: number | undefined) {
  return createGrpcCallContext({ method, headers, timeoutMs, contentType: "application/grpc+proto" });
}

const described = (context: HandlerContext) => ({
  method: context.method,
  service: context.service,
  protocolName: context.protocolName,
  requestMethod: context.requestMethod,
  url: context.url,
  requestHeader: [...context.requestHeader],
  responseHeader: [...context.responseHeader],
  responseTrailer: [...context.responseTrailer],
  aborted: context.signal.aborted,
  hasDeadline: context.timeoutMs() !== undefined,
});

describe("createGrpcCallContext", () => {
  it("describes a call as connect's createHandlerContext does", () => {
    expect(described(ours(undefined))).toEqual(described(connectContext(undefined)));
    const withDeadline = ours(60_000);
    expect(described(withDeadline)).toEqual(described(connectContext(60_000)));
    expect(withDeadline.timeoutMs()).toBeGreaterThan(59_000);
    withDeadline.abort();
  });

  it("aborts at once with DEADLINE_EXCEEDED when the deadline has passed", () => {
    const reason: unknown = ours(0).signal.reason;
    const expected: unknown = connectContext(0).signal.reason;
    expect(reason).toBeInstanceOf(ConnectError);
    expect([(reason as ConnectError).code, (reason as ConnectError).message]).toEqual([
      Code.DeadlineExceeded,
      (expected as ConnectError).message,
    ]);
  });

  it("aborts its signal with the reason it is given, once", () => {
    const context = ours(60_000);
    const first = new ConnectError("first", Code.Canceled);
    context.abort(first);
    context.abort(new ConnectError("second", Code.Internal));
    expect(context.signal.reason).toBe(first);
  });

  it("keeps values per call", () => {
    expect(ours(undefined).values).not.toBe(ours(undefined).values);
  });
});
