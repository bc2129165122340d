import { describe, expect, it } from "vitest";
import { Code, ConnectError, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import { MatchmakingService } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { createCallContext } from "../../src/net/call-context.ts";

const method = MatchmakingService.method.enqueue;
const url = "http://matchmaker:50051/matchmaking.v1.MatchmakingService/Enqueue";
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
    url,
    timeoutMs,
    requestHeader: { "content-type": "application/grpc", authorization: "Bearer abc" },
    responseHeader: { "content-type": "application/grpc+proto" },
    responseTrailer: { "grpc-status": "0" },
  });
}

function ours(timeoutMs: number | undefined) {
  return createCallContext({
    method,
    protocolName: "grpc",
    url,
    requestHeader: headers,
    timeoutMs,
    contentType: "application/grpc+proto",
    responseTrailer: { "grpc-status": "0" },
  });
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

describe("createCallContext", () => {
  it("describes a call as connect's createHandlerContext does", () => {
    expect(described(ours(undefined))).toEqual(described(connectContext(undefined)));
    const withDeadline = ours(60_000);
    expect(described(withDeadline)).toEqual(described(connectContext(60_000)));
    expect(withDeadline.timeoutMs()).toBeGreaterThan(59_000);
    withDeadline.abort();
  });

  it("describes a Connect call as connect's createHandlerContext does for its Connect handlers", () => {
    // As node:http gives an HTTP/1.1 request's fields: a repeated field as an array.
    const fields = { host: "matchmaker:8080", "content-type": "application/proto", authorization: "Bearer abc", "x-tag": ["a", "b"] };
    const connect = createHandlerContext({
      service: method.parent,
      method,
      protocolName: "connect",
      requestMethod: "POST",
      url,
      timeoutMs: undefined,
      requestHeader: [
        ["host", "matchmaker:8080"],
        ["content-type", "application/proto"],
        ["authorization", "Bearer abc"],
        ["x-tag", "a"],
        ["x-tag", "b"],
      ],
      responseHeader: { "content-type": "application/proto" },
    });
    const context = createCallContext({
      method,
      protocolName: "connect",
      url,
      requestHeader: fields,
      timeoutMs: undefined,
      contentType: "application/proto",
      responseTrailer: {},
    });
    expect(described(context)).toEqual(described(connect));
    expect(context.requestHeader.get("x-tag")).toBe(connect.requestHeader.get("x-tag"));
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
